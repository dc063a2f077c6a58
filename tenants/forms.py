"""The retailer's own settings, as its owner sees them in the back office."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant
from tenants.rules import currency_choices, time_zone_choices


class CurrencyTimeZoneForm(forms.Form):
    """Currency and time zone; read-only once data fixes them (the page says why)."""

    currency = forms.ChoiceField(
        label=capfirst(Tenant._meta.get_field("currency").verbose_name),
        help_text=_("The ISO 4217 code every amount is kept and shown in."),
    )
    time_zone = forms.ChoiceField(
        label=capfirst(Tenant._meta.get_field("time_zone").verbose_name),
        help_text=_("Where the shops are: reports count days and months, and receipts show times, in this zone."),
    )

    def __init__(self, *args, tenant, lock_reason: str | None = None, **kwargs):
        kwargs.setdefault("initial", {"currency": tenant.currency, "time_zone": tenant.time_zone})
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices(tenant.currency)
        self.fields["time_zone"].choices = time_zone_choices(tenant.time_zone)
        if lock_reason is not None:
            for field in self.fields.values():
                field.disabled = True
