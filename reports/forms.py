"""The parameter forms of reports: one base with the filters every report may use.

A report's form lists the filters it uses in `filters` (period, stores, products, product
groups, customer groups) and adds fields of its own. `parameters()` gives the JSON stored on the
run, `parameters_text()` the lines a person reads in the file's header and in the list of runs.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import CustomerGroup
from reports.parameters import period_default
from reports.selectors import sales_document_span
from sales.models import Product, ProductGroup, Store

ALL_FILTERS = ("period", "stores", "products", "product_groups", "customer_groups")
# A browser's date input takes its value only in ISO form; the localized one leaves it empty.
ISO_DATE = "%Y-%m-%d"


class ReportForm(forms.Form):
    filters: tuple[str, ...] = ALL_FILTERS
    # A period may be left open only in reports that say so; most need one.
    period_required = True

    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    date_to = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)
    )
    stores = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Stores"),
        queryset=Store.objects.none(),
        required=False,
        help_text=gettext_lazy("None chosen: every store."),
    )
    products = forms.CharField(
        label=gettext_lazy("Products"),
        required=False,
        help_text=gettext_lazy("Codes (SKU or EAN), separated by commas or spaces; empty: every product."),
    )
    product_groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Product groups"),
        queryset=ProductGroup.objects.none(),
        required=False,
        help_text=gettext_lazy("A group includes its sub-groups."),
    )
    customer_groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Customer groups"),
        queryset=CustomerGroup.objects.none(),
        required=False,
        help_text=gettext_lazy("A group includes its sub-groups."),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        for name in ALL_FILTERS:
            if name not in self.filters:
                if name == "period":
                    del self.fields["date_from"], self.fields["date_to"]
                else:
                    del self.fields[name]
        if "stores" in self.fields:
            self.fields["stores"].queryset = Store.objects.order_by("name")
        if "product_groups" in self.fields:
            self.fields["product_groups"].queryset = ProductGroup.objects.order_by("name")
        if "customer_groups" in self.fields:
            self.fields["customer_groups"].queryset = CustomerGroup.objects.order_by("name")
        if "period" in self.filters and not self.is_bound and not {"date_from", "date_to"} <= self.initial.keys():
            # The retailer's days (the tenant's time zone is active), not the server's; a period
            # the caller gives wins over the proposed one.
            first, last = sales_document_span()
            date_from, date_to = period_default(
                today=timezone.localdate(),
                first_day=timezone.localdate(first) if first else None,
                last_day=timezone.localdate(last) if last else None,
            )
            self.initial.setdefault("date_from", date_from)
            self.initial.setdefault("date_to", date_to)

    def clean_products(self):
        text = self.cleaned_data.get("products") or ""
        codes = [code for code in text.replace(",", " ").split() if code]
        if not codes:
            return []
        found = {}
        for product in Product.objects.by_codes(codes):
            found[product.sku] = product
            if product.ean:
                found[product.ean] = product
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValidationError(
                _("No product with the code %(codes)s.") % {"codes": ", ".join(f"“{code}”" for code in unknown)}
            )
        return list({found[code].pk: found[code] for code in codes}.values())

    def clean(self):
        cleaned = super().clean()
        if "period" in self.filters:
            date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
            if self.period_required and (date_from is None or date_to is None):
                if "date_from" not in self.errors and "date_to" not in self.errors:
                    raise ValidationError(_("Give the period: both its first and its last day."))
            if date_from and date_to:
                if date_from > date_to:
                    raise ValidationError(
                        _("The period ends (%(to)s) before it starts (%(from)s).")
                        % {"from": formats.date_format(date_from), "to": formats.date_format(date_to)}
                    )
                months = self.tenant.plan.max_report_months
                if date_from + relativedelta(months=months) <= date_to:
                    raise ValidationError(
                        _(
                            "A report of the %(plan)s plan covers at most %(months)s months; "
                            "choose a shorter period or a larger plan."
                        )
                        % {"plan": self.tenant.plan.name, "months": months}
                    )
        return cleaned

    def parameters(self) -> dict:
        """The cleaned values as JSON: dates as ISO text, records as lists of ids."""
        values = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, datetime.date):
                values[name] = value.isoformat()
            elif hasattr(value, "model") or isinstance(value, list) and value and hasattr(value[0], "pk"):
                values[name] = sorted(item.pk for item in value)
            elif isinstance(value, list):
                values[name] = value
            else:
                values[name] = value
        return values

    def parameters_text(self) -> list[list[str]]:
        """[label, value] pairs a person reads: the period, the chosen records by name."""
        lines = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, "", []) or hasattr(value, "exists") and not value.exists():
                continue
            if isinstance(value, datetime.date):
                text = formats.date_format(value)
            elif hasattr(value, "model") or isinstance(value, list) and value and hasattr(value[0], "pk"):
                text = ", ".join(str(item) for item in value)
            elif isinstance(value, bool):
                text = _("yes") if value else _("no")
            elif hasattr(field, "choices") and not hasattr(value, "pk"):
                text = str(dict(field.choices).get(value, value))
            else:
                text = str(value)
            lines.append([str(field.label), text])
        return lines


def form_data_of(parameters: dict) -> dict:
    """A run's stored parameters as the form's data again (products back to their codes)."""
    data = {key: value for key, value in parameters.items() if value is not None}
    if parameters.get("products"):
        data["products"] = " ".join(Product.objects.filter(pk__in=parameters["products"]).values_list("sku", flat=True))
    return data
