"""The loyalty programme's settings, its tiers by spend and its earning rules."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import CustomerGroup
from sales.models import MONEY, Product, ProductGroup, Store


class Programme(models.Model):
    """The tenant's loyalty programme settings; one row (pk 1)."""

    class Rounding(models.TextChoices):
        DOWN = "down", _("Down")
        HALF_UP = "half_up", _("To the nearest")
        UP = "up", _("Up")

    class NegativePolicy(models.TextChoices):
        ALLOW = "allow", _("Allow a negative balance")
        CAP = "cap", _("Stop at zero and record the shortfall")

    is_enabled = models.BooleanField(_("programme is running"), default=True)
    points_per_unit = models.DecimalField(
        _("points per currency unit"), max_digits=8, decimal_places=3, default=1, validators=[MinValueValidator(0)]
    )
    rounding = models.CharField(_("rounding"), max_length=10, choices=Rounding.choices, default=Rounding.DOWN)
    point_value = models.DecimalField(
        _("value of a point when paying"),
        max_digits=8,
        decimal_places=4,
        default="0.01",
        validators=[MinValueValidator(0)],
    )
    max_redeem_percent = models.DecimalField(
        _("largest share of a receipt paid by points (%)"),
        max_digits=5,
        decimal_places=2,
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    expiry_months = models.PositiveIntegerField(_("points expire after (months)"), null=True, blank=True)
    welcome_bonus = models.PositiveIntegerField(_("welcome bonus (points)"), default=0)
    birthday_bonus = models.PositiveIntegerField(_("birthday bonus (points)"), default=0)
    negative_policy = models.CharField(
        _("when a return takes back points already spent"),
        max_length=10,
        choices=NegativePolicy.choices,
        default=NegativePolicy.CAP,
    )
    adjustment_cap = models.PositiveIntegerField(_("largest manual adjustment (points)"), null=True, blank=True)
    tiers_enabled = models.BooleanField(_("tiers by spend over the last 12 months"), default=False)
    no_earning_groups = models.ManyToManyField(
        CustomerGroup, verbose_name=_("customer groups that earn nothing"), blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("loyalty programme")
        constraints = [
            models.CheckConstraint(condition=Q(points_per_unit__gte=0), name="programme_points_per_unit_not_negative"),
            models.CheckConstraint(
                condition=Q(max_redeem_percent__gte=0) & Q(max_redeem_percent__lte=100),
                name="programme_redeem_share_percent",
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class Tier(models.Model):
    """A level reached by spending at least `min_spend` over the last 12 months."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    min_spend = models.DecimalField(_("spend over 12 months from"), **MONEY, unique=True)
    multiplier = models.DecimalField(_("earning multiplier"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["min_spend"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.CheckConstraint(condition=Q(multiplier__gte=0), name="tier_multiplier_not_negative"),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="tier_min_spend_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class EarningRule(models.Model):
    """How a product, a product group (with its sub-groups) or every product earns, under
    conditions. On each line the most specific matching rule applies: a product's over a group's,
    a sub-group's over its parent's, a group's over a rule for everything."""

    class Kind(models.TextChoices):
        MULTIPLIER = "multiplier", _("Multiply points")
        FIXED = "fixed", _("Fixed points per item")
        EXCLUDED = "excluded", _("Earns nothing")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    multiplier = models.DecimalField(_("multiplier"), max_digits=6, decimal_places=2, null=True, blank=True)
    fixed_points = models.PositiveIntegerField(_("points per item"), null=True, blank=True)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    product_group = models.ForeignKey(
        ProductGroup, verbose_name=_("product group"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    min_receipt_amount = models.DecimalField(_("minimum receipt amount"), **MONEY, null=True, blank=True)
    stores = models.ManyToManyField(Store, verbose_name=_("stores"), blank=True, related_name="+")
    customer_groups = models.ManyToManyField(
        CustomerGroup, verbose_name=_("customer groups"), blank=True, related_name="+"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # ISO weekdays (1 = Monday … 7 = Sunday); empty means every day.
    weekdays = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("days of week"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(multiplier__isnull=True) | Q(multiplier__gte=0), name="earning_rule_multiplier_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind="multiplier") | Q(multiplier__isnull=False), name="earning_rule_multiplier_given"
            ),
            models.CheckConstraint(
                condition=~Q(kind="fixed") | Q(fixed_points__isnull=False), name="earning_rule_fixed_points_given"
            ),
            models.CheckConstraint(
                condition=Q(product__isnull=True) | Q(product_group__isnull=True), name="earning_rule_one_target"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="earning_rule_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name
