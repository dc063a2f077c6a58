"""The platform operator's pages: retailers and their plans, in Django's admin on the public host.

Every change goes through the services in tenants.services, so the admin writes the same events
and keeps the same rules as the management commands.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tariffs.models import TariffPlan
from tenants.models import Domain, Tenant, TenantEvent
from tenants.rules import DEFAULT_CURRENCY, DEFAULT_TIME_ZONE, currency_choices, time_zone_choices
from tenants.selectors import tenant_currency_time_zone_lock
from tenants.services import (
    tenant_create,
    tenant_default_domain,
    tenant_details_update,
    tenant_plan_change,
    tenant_reactivate,
    tenant_suspend,
    tenant_validate,
)

admin.site.site_header = _("Regulars platform")
admin.site.site_title = _("Regulars platform")
admin.site.index_title = _("Retailers and tariff plans")

CURRENCY_LABEL = capfirst(Tenant._meta.get_field("currency").verbose_name)
CURRENCY_HELP = _("ISO 4217 code; it can be changed only before the retailer's first sale.")
TIME_ZONE_LABEL = capfirst(Tenant._meta.get_field("time_zone").verbose_name)
TIME_ZONE_HELP = _("Where the retailer's shops are; it can be changed only before the first sale.")


class TenantCreateForm(forms.ModelForm):
    currency = forms.ChoiceField(
        label=CURRENCY_LABEL, choices=currency_choices, initial=DEFAULT_CURRENCY, help_text=CURRENCY_HELP
    )
    time_zone = forms.ChoiceField(
        label=TIME_ZONE_LABEL, choices=time_zone_choices, initial=DEFAULT_TIME_ZONE, help_text=TIME_ZONE_HELP
    )
    domain = forms.CharField(
        label=_("Host name"),
        required=False,
        help_text=_("Empty: <short name>.%(base)s") % {"base": settings.BASE_DOMAIN},
    )
    admin_username = forms.CharField(label=_("First admin's user name"), initial="admin")
    admin_email = forms.EmailField(label=_("First admin's e-mail"))
    admin_password = forms.CharField(label=_("First admin's password"), widget=forms.PasswordInput, strip=False)

    class Meta:
        model = Tenant
        fields = ("name", "schema_name", "plan", "language", "currency", "time_zone")
        labels = {"schema_name": _("Short name")}
        help_texts = {"schema_name": _("Lower-case letters, digits and underscores; also the sub-domain.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].required = True
        self.fields["plan"].queryset = TariffPlan.objects.filter(is_available=True)

    def clean(self):
        cleaned = super().clean()
        schema_name = (cleaned.get("schema_name") or "").strip().lower()
        try:
            tenant_validate(
                name=cleaned.get("name") or "",
                schema_name=schema_name,
                domain=(cleaned.get("domain") or tenant_default_domain(schema_name)).strip().lower(),
                plan=cleaned.get("plan"),
                admin_email=cleaned.get("admin_email") or "",
                currency=cleaned.get("currency") or DEFAULT_CURRENCY,
                time_zone=cleaned.get("time_zone") or DEFAULT_TIME_ZONE,
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                if field not in self.errors:
                    self.add_error(field, field_messages)
        return cleaned

    def clean_admin_password(self):
        password = self.cleaned_data["admin_password"]
        validate_password(password)
        return password

    def validate_unique(self):
        """Uniqueness is checked by tenant_create, which names the field in its message."""


class TenantChangeForm(forms.ModelForm):
    currency = forms.ChoiceField(label=CURRENCY_LABEL, help_text=CURRENCY_HELP)
    time_zone = forms.ChoiceField(label=TIME_ZONE_LABEL, help_text=TIME_ZONE_HELP)

    class Meta:
        model = Tenant
        fields = ("name", "plan", "language", "currency", "time_zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].required = True
        self.fields["currency"].choices = currency_choices(self.instance.currency)
        self.fields["time_zone"].choices = time_zone_choices(self.instance.time_zone)
        lock_reason = tenant_currency_time_zone_lock(tenant=self.instance)
        if lock_reason is not None:
            for name in ("currency", "time_zone"):
                self.fields[name].disabled = True
                self.fields[name].help_text = lock_reason


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class TenantEventInline(admin.TabularInline):
    model = TenantEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "kind", "actor", "old_value", "new_value")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "schema_name", "plan", "is_active", "primary_domain", "created_at")
    list_filter = ("is_active", "plan")
    search_fields = ("name", "schema_name", "domains__domain")
    actions = ("suspend", "reactivate")
    readonly_fields = ("schema_name", "is_active", "suspended_at", "suspension_reason", "created_at")

    def has_delete_permission(self, request, obj=None):
        # A retailer is suspended, never deleted here: its schema and data would be orphaned.
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .exclude(schema_name="public")
            .select_related("plan")
            .prefetch_related("domains")
        )

    @admin.display(description=_("host name"))
    def primary_domain(self, tenant):
        return next((domain.domain for domain in tenant.domains.all() if domain.is_primary), "")

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = TenantCreateForm if obj is None else TenantChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(TenantCreateForm.base_fields)
        return [
            "name",
            "schema_name",
            "plan",
            "language",
            "currency",
            "time_zone",
            "is_active",
            "suspended_at",
            "suspension_reason",
            "created_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return () if obj is None else (DomainInline, TenantEventInline)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = tenant_create(
                name=data["name"],
                schema_name=data["schema_name"],
                domain=data.get("domain") or None,
                plan=data["plan"],
                admin_username=data["admin_username"],
                admin_email=data["admin_email"],
                admin_password=data["admin_password"],
                language=data["language"],
                currency=data["currency"],
                time_zone=data["time_zone"],
                acting_user=request.user,
            )
            obj.pk = created.pk
            return
        tenant_details_update(
            tenant=obj,
            name=data["name"],
            language=data["language"],
            currency=data["currency"],
            time_zone=data["time_zone"],
            acting_user=request.user,
        )
        tenant_plan_change(tenant=obj, plan=data["plan"], acting_user=request.user)

    @admin.action(description=_("Suspend the selected retailers"))
    def suspend(self, request, queryset):
        for tenant in queryset:
            tenant_suspend(tenant=tenant, reason=_("Suspended by the platform operator"), acting_user=request.user)
        self.message_user(
            request, ngettext("%d retailer suspended.", "%d retailers suspended.", queryset.count()) % queryset.count()
        )

    @admin.action(description=_("Reactivate the selected retailers"))
    def reactivate(self, request, queryset):
        for tenant in queryset:
            tenant_reactivate(tenant=tenant, acting_user=request.user)
        self.message_user(
            request,
            ngettext("%d retailer reactivated.", "%d retailers reactivated.", queryset.count()) % queryset.count(),
        )
