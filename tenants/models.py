from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    """A retailer: its own schema, domains, staff, settings and a tariff plan."""

    name = models.CharField(_("name"), max_length=200)
    plan = models.ForeignKey(
        "tariffs.TariffPlan",
        verbose_name=_("tariff plan"),
        on_delete=models.PROTECT,
        related_name="tenants",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.CharField(_("reason for suspension"), max_length=300, blank=True)
    # An ISO 4217 code and a zone's name, checked by tenants.rules (the lists are too long and
    # change too often for a database constraint beyond the code's shape).
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    country = models.CharField(
        _("country"), max_length=2, default="EE", help_text=_("Two letters; phone numbers without a prefix are of it.")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Tallinn")
    language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    # Deleting a retailer's row must never silently drop its data: schemas are dropped only
    # on purpose (tenant.delete(force_drop=True)).
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]
        verbose_name = _("retailer")
        verbose_name_plural = _("retailers")
        constraints = [
            models.CheckConstraint(
                condition=Q(schema_name="public") | Q(plan__isnull=False),
                name="tenant_has_plan_unless_public",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True) | Q(suspended_at__isnull=False),
                name="tenant_suspension_has_time",
            ),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="tenant_currency_is_a_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Clone the schema from the template (tenants.template), made ready first."""
        if sync_schema and not self.is_public:
            from tenants.template import template_schema_ready

            template_schema_ready()
        return super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity)


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class TenantEvent(models.Model):
    """One row per change of a retailer's state, written in the same transaction."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        PLAN_CHANGED = "plan_changed", _("Plan changed")
        SUSPENDED = "suspended", _("Suspended")
        REACTIVATED = "reactivated", _("Reactivated")
        DETAILS_CHANGED = "details_changed", _("Details changed")
        CURRENCY_TIME_ZONE_CHANGED = "currency_tz_changed", _("Currency and time zone changed")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("retailer event")
        verbose_name_plural = _("retailer events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.tenant}"
