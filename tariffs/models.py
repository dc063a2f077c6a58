from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TariffPlan(models.Model):
    """A retailer's subscription: its price and the limits it sets."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    price = models.DecimalField(_("monthly price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    max_active_customers = models.PositiveIntegerField(
        _("maximum active customers"),
        help_text=_("Customers in status Introduced or Control; archived customers are unlimited."),
    )
    max_staff_users = models.PositiveIntegerField(_("maximum staff users"))
    max_stores = models.PositiveIntegerField(_("maximum stores"))
    max_terminals = models.PositiveIntegerField(_("maximum POS terminals"))
    max_report_months = models.PositiveIntegerField(
        _("longest report period (months)"), default=36, help_text=_("How far a report may reach in one run.")
    )
    is_available = models.BooleanField(_("offered to new retailers"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["price", "name"]
        verbose_name = _("tariff plan")
        verbose_name_plural = _("tariff plans")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="tariffplan_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def limit_for(self, resource: str) -> int:
        return getattr(self, f"max_{resource}")
