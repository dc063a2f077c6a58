"""Forms of Settings → Loyalty programme: the programme, earning rules, tiers and the "try it" panel.

As in sales.forms, the forms only parse what the browser sends; loyalty.services.programme decides
what is valid and says why not. Numbers are taken as text so that the service names the problem
(negative, too many decimals, over 100 %), and ids of stores and groups are passed on unchecked so
that the service refuses one that does not exist here in its own words.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from customers.selectors.groups import group_choices
from loyalty.models import EarningRule, Programme, Tier
from loyalty.selectors.earning import BasketRow
from loyalty.selectors.programme import products_by_code, store_choices, weekday_choices
from sales import rules
from sales.models import Store
from sales.selectors.products import product_group_choices

DECIMAL_WIDGET = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
WHOLE_WIDGET = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_TIME_FORMAT = "%Y-%m-%dT%H:%M"


def decimal_text(value: Decimal | None) -> str:
    """A stored decimal as a person would type it: 1.500 → 1.5, 50.00 → 50, None → ""."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal("1")))
    return format(value.normalize(), "f")


class IdChoicesField(forms.TypedMultipleChoiceField):
    """Checkboxes of ids whose existence the service checks (and names when one is missing)."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)

    def valid_value(self, value) -> bool:
        return True


class ProgrammeForm(forms.Form):
    is_enabled = forms.BooleanField(
        label=_("The programme is running"),
        required=False,
        help_text=_("Switched off, no sale earns points and points cannot pay; balances stay."),
    )
    points_per_unit = forms.CharField(
        label=_("Points per currency unit"),
        max_length=20,
        widget=DECIMAL_WIDGET,
        help_text=_("Decimals are allowed: 1.5 gives 15 points for 10.00."),
    )
    rounding = forms.ChoiceField(
        label=_("Rounding of a receipt's points"),
        choices=Programme.Rounding.choices,
        help_text=_("Lines are added up unrounded; the receipt's total is rounded once."),
    )
    point_value = forms.CharField(
        label=_("Value of a point when paying"),
        max_length=20,
        widget=DECIMAL_WIDGET,
        help_text=_("In the shop's currency, e.g. 0.01: 100 points pay 1.00."),
    )
    max_redeem_percent = forms.CharField(
        label=_("Largest share of a receipt points may pay (%)"), max_length=10, widget=DECIMAL_WIDGET
    )
    expiry_months = forms.CharField(
        label=_("Points expire after (months)"),
        max_length=10,
        required=False,
        widget=WHOLE_WIDGET,
        help_text=_("Leave empty if points never expire."),
    )
    welcome_bonus = forms.CharField(
        label=_("Welcome bonus (points)"),
        max_length=10,
        required=False,
        widget=WHOLE_WIDGET,
        help_text=_("Given once, when a customer gets a card. Empty or 0: none."),
    )
    birthday_bonus = forms.CharField(
        label=_("Birthday bonus (points)"),
        max_length=10,
        required=False,
        widget=WHOLE_WIDGET,
        help_text=_("Given on the customer's birthday. Empty or 0: none."),
    )
    negative_policy = forms.ChoiceField(
        label=_("When a return takes back points already spent"),
        choices=Programme.NegativePolicy.choices,
        widget=forms.RadioSelect,
    )
    adjustment_cap = forms.CharField(
        label=_("Largest manual adjustment (points)"),
        max_length=10,
        required=False,
        widget=WHOLE_WIDGET,
        help_text=_("Leave empty for no limit."),
    )
    tiers_enabled = forms.BooleanField(
        label=_("Tiers by spend over the last 12 months"),
        required=False,
        help_text=_("The tiers themselves are set on the Tiers page."),
    )
    no_earning_groups = IdChoicesField(
        label=_("Customer groups that earn nothing"),
        help_text=_("The sub-groups of a chosen group earn nothing too."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["no_earning_groups"].choices = group_choices()

    @staticmethod
    def initial_for(programme: Programme) -> dict:
        return {
            "is_enabled": programme.is_enabled,
            "points_per_unit": decimal_text(programme.points_per_unit),
            "rounding": programme.rounding,
            "point_value": decimal_text(programme.point_value),
            "max_redeem_percent": decimal_text(programme.max_redeem_percent),
            "expiry_months": programme.expiry_months or "",
            "welcome_bonus": programme.welcome_bonus or "",
            "birthday_bonus": programme.birthday_bonus or "",
            "negative_policy": programme.negative_policy,
            "adjustment_cap": "" if programme.adjustment_cap is None else programme.adjustment_cap,
            "tiers_enabled": programme.tiers_enabled,
            "no_earning_groups": list(programme.no_earning_groups.values_list("pk", flat=True)) if programme.pk else [],
        }


class EarningRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Shown in the explanation of a sale's points."))
    kind = forms.ChoiceField(label=_("What the rule does"), choices=EarningRule.Kind.choices, widget=forms.RadioSelect)
    multiplier = forms.CharField(
        label=_("Multiplier"),
        max_length=20,
        required=False,
        widget=DECIMAL_WIDGET,
        help_text=_("For “Multiply points”: 2 gives double points, 0.5 half."),
    )
    fixed_points = forms.CharField(
        label=_("Points per item"),
        max_length=10,
        required=False,
        widget=WHOLE_WIDGET,
        help_text=_("For “Fixed points per item”: given instead of the points of the amount."),
    )
    product_code = forms.CharField(
        label=_("Product (SKU or EAN)"),
        max_length=40,
        required=False,
        help_text=_("One product, by its code."),
    )
    product_group = forms.TypedChoiceField(
        label=_("or product group"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("A group's rule covers its sub-groups. With neither a product nor a group: every product."),
    )
    min_receipt_amount = forms.CharField(
        label=_("Minimum receipt amount"),
        max_length=20,
        required=False,
        widget=DECIMAL_WIDGET,
        help_text=_("The receipt's total must reach it. Empty: any amount."),
    )
    stores = IdChoicesField(label=_("Stores"), help_text=_("None checked: every store."))
    customer_groups = IdChoicesField(
        label=_("Customer groups"),
        help_text=_("None checked: every customer. The sub-groups of a chosen group are included."),
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE_WIDGET)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=DATE_WIDGET, help_text=_("Inclusive. Empty: no end.")
    )
    weekdays = IdChoicesField(label=_("Days of the week"), help_text=_("None checked: every day."))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_group"].choices = [("", _("— none —")), *product_group_choices()]
        self.fields["stores"].choices = store_choices()
        self.fields["customer_groups"].choices = group_choices()
        self.fields["weekdays"].choices = weekday_choices()

    def service_arguments(self) -> dict:
        """The cleaned data under the names the services take."""
        data = dict(self.cleaned_data)
        data["product_group_id"] = data.pop("product_group")
        data["store_ids"] = data.pop("stores")
        data["customer_group_ids"] = data.pop("customer_groups")
        return data

    @staticmethod
    def initial_for(rule: EarningRule) -> dict:
        return {
            "name": rule.name,
            "kind": rule.kind,
            "multiplier": decimal_text(rule.multiplier),
            "fixed_points": rule.fixed_points or "",
            "product_code": rule.product.sku if rule.product else "",
            "product_group": rule.product_group_id,
            "min_receipt_amount": decimal_text(rule.min_receipt_amount),
            "stores": [store.pk for store in rule.stores.all()],
            "customer_groups": [group.pk for group in rule.customer_groups.all()],
            "valid_from": rule.valid_from,
            "valid_until": rule.valid_until,
            "weekdays": rule.weekdays,
            "is_active": rule.is_active,
        }


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    min_spend = forms.CharField(
        label=_("Spend over 12 months from"),
        max_length=20,
        widget=DECIMAL_WIDGET,
        help_text=_("Sales less returns in the last 12 months, in the shop's currency."),
    )
    multiplier = forms.CharField(
        label=_("Earning multiplier"),
        max_length=20,
        widget=DECIMAL_WIDGET,
        help_text=_("1.5 gives half as many points again; 1 as many as without a tier."),
    )

    @staticmethod
    def initial_for(tier: Tier) -> dict:
        return {
            "name": tier.name,
            "min_spend": decimal_text(tier.min_spend),
            "multiplier": decimal_text(tier.multiplier),
        }


class TryForm(forms.Form):
    """The "try it" panel: a customer, a store, a moment and basket lines. The lines come as
    repeated `code`, `quantity` and `price` fields (htmx adds a row); a row without a code is
    ignored. After is_valid(), `rows` holds each line with its problems and `basket` the lines
    to quote. An unbound form takes its lines from `lines_from` (the page redrawn after a search
    or with one more line) so that nothing typed is lost."""

    customer = forms.IntegerField(label=_("Customer (id)"), required=False, min_value=1)
    q = forms.CharField(label=_("Search customers"), required=False, max_length=100)
    store = forms.TypedChoiceField(label=_("Store"), coerce=int, empty_value=None)
    when = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        input_formats=[DATE_TIME_FORMAT, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATE_TIME_FORMAT),
        help_text=_("Empty: now. Rules with a period or days of the week are checked at this moment."),
    )

    def __init__(self, data=None, *args, lines_from=None, extra_line: bool = False, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, phone, e-mail, card number or id")
        self.fields["store"].choices = [("", _("— choose —")), *store_choices()]
        source = data if data is not None else lines_from
        self.rows: list[dict] = []
        self.basket: list[BasketRow] = []
        if source is not None:
            quantities, prices = source.getlist("quantity"), source.getlist("price")
            for position, code in enumerate(source.getlist("code")):
                self.rows.append(
                    {
                        "code": code.strip(),
                        "quantity": (quantities[position] if position < len(quantities) else "").strip(),
                        "price": (prices[position] if position < len(prices) else "").strip(),
                        "errors": [],
                    }
                )
        if not self.rows or extra_line:
            self.rows.append(self.empty_row())

    @staticmethod
    def empty_row() -> dict:
        return {"code": "", "quantity": "1", "price": "", "errors": []}

    @staticmethod
    def initial_now() -> dict:
        return {"when": timezone.localtime().replace(second=0, microsecond=0)}

    def clean_customer(self):
        customer_id = self.cleaned_data.get("customer")
        if customer_id is None:
            return None
        customer = Customer.objects.select_related("group").filter(pk=customer_id).first()
        if customer is None:
            raise ValidationError(gettext("No customer has the id %(id)s.") % {"id": customer_id})
        return customer

    def clean_store(self):
        store_id = self.cleaned_data.get("store")
        return Store.objects.filter(pk=store_id).first() if store_id else None

    def clean(self):
        cleaned = super().clean()
        products = products_by_code({row["code"] for row in self.rows if row["code"]})
        for row in self.rows:
            if not row["code"]:
                continue
            product = products.get(row["code"])
            if product is None:
                row["errors"].append(gettext("No product has the code “%(code)s”.") % {"code": row["code"]})
            elif not product.is_active:
                row["errors"].append(
                    gettext("“%(product)s” is inactive: a sale cannot have it.") % {"product": product.name}
                )
            quantity = price = None
            try:
                quantity = rules.quantity_clean(row["quantity"] or "1")
            except ValidationError as error:
                row["errors"].extend(error.messages)
            try:
                price = rules.money_clean(row["price"])
            except ValidationError as error:
                row["errors"].extend(error.messages)
            if not row["errors"]:
                self.basket.append(BasketRow(product=product, quantity=quantity, unit_price=price))
        if any(row["errors"] for row in self.rows):
            raise ValidationError(gettext("Check the basket lines marked below."))
        if not self.basket:
            raise ValidationError(gettext("Add at least one line with a product code."))
        return cleaned
