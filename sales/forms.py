"""Forms of Settings → Stores and terminals, Products and Price lists.

The forms parse what the browser sends; the services (sales.services.*) decide what is valid and
say why not, so that the till's API and the imports refuse the same things with the same words.
Money and rates are taken as text for that reason: the service names the problem (negative,
too many decimals, out of range) rather than a generic form message.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import CustomerGroup
from customers.selectors.groups import group_choices
from sales.models import GroupPriceList, Product, ProductGroup
from sales.selectors.products import product_choices, product_group_choices

DECIMAL_WIDGET = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class StoreForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(
        label=_("Code"), max_length=20, help_text=_("Short and unique, e.g. TLN1; used in reports and imports.")
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class TerminalForm(forms.Form):
    # Shown on the store's page beside the store's own form, whose fields have the same names.
    prefix = "terminal"

    name = forms.CharField(label=_("Name of the new terminal"), max_length=100, help_text=_("E.g. Till 1."))


class ProductGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.TypedChoiceField(label=_("Parent group"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, exclude_ids: set[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("— top level —")), *product_group_choices(exclude_ids=exclude_ids)]

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        return ProductGroup.objects.filter(pk=parent).first() if parent else None


class ProductSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    group = forms.TypedChoiceField(label=_("Product group"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("SKU, EAN or name")
        self.fields["group"].choices = [("", _("All groups")), *product_group_choices()]


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("Code (SKU)"), max_length=40)
    ean = forms.CharField(
        label=_("EAN barcode"), max_length=20, required=False, help_text=_("8 or 13 digits; optional.")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    group = forms.TypedChoiceField(label=_("Product group"), required=False, coerce=int, empty_value=None)
    list_price = forms.CharField(label=_("List price"), max_length=20, widget=DECIMAL_WIDGET)
    vat_rate = forms.CharField(label=_("VAT rate (%)"), max_length=10, initial="22", widget=DECIMAL_WIDGET)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("— no group —")), *product_group_choices()]

    def clean_group(self):
        group = self.cleaned_data.get("group")
        return ProductGroup.objects.filter(pk=group).first() if group else None

    @staticmethod
    def initial_for(product: Product) -> dict:
        return {
            "sku": product.sku,
            "ean": product.ean or "",
            "name": product.name,
            "group": product.group_id,
            "list_price": product.list_price,
            "vat_rate": f"{product.vat_rate.normalize():f}",
            "is_active": product.is_active,
        }


class PriceListForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_to = forms.DateField(
        label=_("Valid to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for no end."),
    )
    customer_groups = forms.TypedMultipleChoiceField(
        label=_("Customer groups"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A customer group has one price list; its sub-groups inherit it unless they have their own."),
    )

    def __init__(self, *args, price_list=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = {
            assignment.customer_group_id: assignment.price_list.name
            for assignment in GroupPriceList.objects.select_related("price_list").exclude(
                price_list_id=getattr(price_list, "pk", None)
            )
        }
        choices = []
        for pk, label in group_choices():
            if pk in others:
                label = _("%(group)s (has “%(other)s”)") % {"group": label, "other": others[pk]}
            choices.append((pk, label))
        self.fields["customer_groups"].choices = choices

    def clean_customer_groups(self):
        return list(CustomerGroup.objects.filter(pk__in=self.cleaned_data.get("customer_groups") or []))


class PriceListItemForm(forms.Form):
    product = forms.TypedChoiceField(label=_("Product"), required=False, coerce=int, empty_value=None)
    product_group = forms.TypedChoiceField(label=_("or product group"), required=False, coerce=int, empty_value=None)
    fixed_price = forms.CharField(label=_("Fixed price"), max_length=20, required=False, widget=DECIMAL_WIDGET)
    percent_off = forms.CharField(label=_("or percent off"), max_length=10, required=False, widget=DECIMAL_WIDGET)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "—"), *product_choices()]
        self.fields["product_group"].choices = [("", "—"), *product_group_choices()]

    def clean_product(self):
        product = self.cleaned_data.get("product")
        return Product.objects.filter(pk=product).first() if product else None

    def clean_product_group(self):
        group = self.cleaned_data.get("product_group")
        return ProductGroup.objects.filter(pk=group).first() if group else None

    def clean_fixed_price(self):
        return self.cleaned_data["fixed_price"].strip() or None

    def clean_percent_off(self):
        return self.cleaned_data["percent_off"].strip() or None
