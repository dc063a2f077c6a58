"""Settings → Retailer: the retailer's own currency and time zone (its owner's page)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.permissions import right_required
from staff.roles import Right
from tenants.forms import CurrencyTimeZoneForm
from tenants.selectors import tenant_currency_time_zone_history, tenant_currency_time_zone_lock
from tenants.services import tenant_currency_time_zone_update


@right_required(Right.MANAGE_SETTINGS)
def retailer_settings_view(request):
    tenant = request.tenant
    lock_reason = tenant_currency_time_zone_lock(tenant=tenant)
    if request.method == "POST" and lock_reason is not None:
        messages.error(request, lock_reason)
        return redirect("tenants:retailer_settings")
    form = CurrencyTimeZoneForm(request.POST or None, tenant=tenant, lock_reason=lock_reason)
    if request.method == "POST" and form.is_valid():
        try:
            tenant_currency_time_zone_update(
                tenant=tenant,
                currency=form.cleaned_data["currency"],
                time_zone=form.cleaned_data["time_zone"],
                acting_user=request.user,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "locked":
                # The first sale came in since the page was read: it now shows them read-only.
                messages.error(request, error.messages[0])
                return redirect("tenants:retailer_settings")
            for field, field_messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            messages.success(request, _("Currency and time zone saved."))
            return redirect("tenants:retailer_settings")
    return render(
        request,
        "tenants/retailer_settings.html",
        {"form": form, "lock_reason": lock_reason, "history": tenant_currency_time_zone_history(tenant=tenant)},
    )
