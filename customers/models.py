from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CustomerStatus(models.TextChoices):
    INTRODUCED = "introduced", _("Introduced")
    CONTROL = "control", _("Control")
    ARCHIVED = "archived", _("Archived")


ACTIVE_STATUSES = (CustomerStatus.INTRODUCED, CustomerStatus.CONTROL)


class Customer(models.Model):
    """A private person or a business the retailer sells to."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Private person")
        BUSINESS = "business", _("Business")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CustomerStatus.choices, default=CustomerStatus.CONTROL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["status"], name="customer_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="business", company_name__gt="")
                | Q(kind="person") & (Q(first_name__gt="") | Q(last_name__gt="")),
                name="customer_has_a_name",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.BUSINESS:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip()
