"""Marketing instruments (cards) and the loyalty programme: its settings, rules, tiers and the
append-only points ledger.

Points are whole numbers. The ledger is the truth: every movement is one `PointsEntry`, never
updated or deleted (a trigger refuses it, see migration 0002), and `PointsAccount.balance` is the
cached sum that the same trigger keeps equal to it.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerGroup
from sales.models import MONEY, Product, ProductGroup, Return, SalesDocument, SalesLine, Store, Terminal


class Symbology(models.TextChoices):
    EAN13 = "ean13", _("EAN-13")
    EAN8 = "ean8", _("EAN-8")
    CODE128 = "code128", _("Code 128")


class CardType(models.Model):
    """A kind of card the retailer hands out, with its own number range."""

    class Kind(models.TextChoices):
        DISCOUNT = "discount", _("Discount card")
        BONUS = "bonus", _("Bonus card")
        GIFT = "gift", _("Gift card")
        COUPON = "coupon", _("Coupon")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    symbology = models.CharField(_("barcode"), max_length=10, choices=Symbology.choices, default=Symbology.EAN13)
    # The digits every number of this type starts with: the tenant's prefix and the type's range.
    prefix = models.CharField(_("number prefix"), max_length=12, blank=True)
    # Numbers handed out so far in the range (the next batch starts after it).
    last_serial = models.PositiveBigIntegerField(default=0)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    gift_value = models.DecimalField(_("gift card value"), **MONEY, null=True, blank=True)
    coupon_amount = models.DecimalField(_("coupon value"), **MONEY, null=True, blank=True)
    coupon_percent = models.DecimalField(
        _("coupon discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    valid_days = models.PositiveIntegerField(_("valid for (days)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("card type")
        verbose_name_plural = _("card types")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="discount") | Q(discount_percent__isnull=False), name="card_type_discount_has_percent"
            ),
            models.CheckConstraint(
                condition=~Q(kind="coupon") | Q(coupon_amount__isnull=False) | Q(coupon_percent__isnull=False),
                name="card_type_coupon_has_value",
            ),
            models.CheckConstraint(condition=Q(prefix__regex=r"^[0-9]*$"), name="card_type_prefix_digits"),
        ]

    def __str__(self) -> str:
        return self.name


class CardBatch(models.Model):
    """Cards numbered in one go, as unassigned stock (for pre-printed cards)."""

    card_type = models.ForeignKey(
        CardType, verbose_name=_("card type"), on_delete=models.PROTECT, related_name="batches"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    first_number = models.CharField(_("first number"), max_length=40)
    last_number = models.CharField(_("last number"), max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("card batch")
        verbose_name_plural = _("card batches")

    def __str__(self) -> str:
        return f"{self.first_number} … {self.last_number}"


class Card(models.Model):
    """One physical (or printed) card: its number is its barcode, unique in the tenant."""

    class Status(models.TextChoices):
        STOCK = "stock", _("In stock")
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")
        REPLACED = "replaced", _("Replaced")
        REMOVED = "removed", _("Removed")
        USED = "used", _("Used")

    number = models.CharField(_("number"), max_length=40, unique=True)
    card_type = models.ForeignKey(CardType, verbose_name=_("card type"), on_delete=models.PROTECT, related_name="cards")
    batch = models.ForeignKey(CardBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="cards")
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, null=True, blank=True, related_name="cards"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.STOCK)
    # A gift card's money left.
    balance = models.DecimalField(_("balance"), **MONEY, null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("replaced by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active") | Q(customer__isnull=False), name="card_active_has_customer"
            ),
            models.CheckConstraint(
                condition=Q(balance__isnull=True) | Q(balance__gte=0), name="card_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="replaced") | Q(replaced_by__isnull=False), name="card_replaced_has_successor"
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.ACTIVE


class CardEvent(models.Model):
    """One change of a card, kept for the history of cards that once belonged to a customer."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ASSIGNED = "assigned", _("Assigned")
        REPLACED = "replaced", _("Replaced")
        BLOCKED = "blocked", _("Blocked")
        UNBLOCKED = "unblocked", _("Unblocked")
        REMOVED = "removed", _("Removed")
        USED = "used", _("Used")
        MERGED = "merged", _("Moved by a merge")

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="card_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.CharField(max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    terminal = models.ForeignKey(Terminal, on_delete=models.SET_NULL, null=True, related_name="+")
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.card} {self.kind}"


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


class PointsAccount(models.Model):
    """A customer's points balance: the cached sum of the customer's ledger entries, kept by the
    ledger's insert trigger. Its row is what concurrent movements lock."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="points_account")
    balance = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("points account")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class PointsEntry(models.Model):
    """One movement of points. Append-only: the database refuses updates (but for a merge moving
    the entry to the kept customer) and deletes."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        REDEEM = "redeem", _("Redeemed")
        REVERSE = "reverse", _("Taken back by a return")
        RESTORE = "restore", _("Given back by a return")
        EXPIRE = "expire", _("Expired")
        BONUS = "bonus", _("Bonus")
        ADJUST = "adjust", _("Manual adjustment")
        OPENING = "opening", _("Opening balance")
        MERGE_IN = "merge_in", _("Moved in by a merge")
        MERGE_OUT = "merge_out", _("Moved out by a merge")

    class Source(models.TextChoices):
        TILL = "till", _("Till")
        BACK_OFFICE = "back_office", _("Back office")
        IMPORT = "import", _("Import")
        SCHEDULED = "scheduled", _("Scheduled job")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="points_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    points = models.BigIntegerField(_("points"))
    # Set by the insert trigger from the account: the balance after this movement.
    balance_after = models.BigIntegerField(_("balance after"), default=0)
    # Points a return could not take back because the policy stops at zero.
    shortfall = models.BigIntegerField(_("shortfall"), default=0)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    terminal = models.ForeignKey(
        Terminal, verbose_name=_("terminal"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    store = models.ForeignKey(Store, verbose_name=_("store"), on_delete=models.PROTECT, null=True, related_name="+")
    sale = models.ForeignKey(SalesDocument, on_delete=models.PROTECT, null=True, related_name="points_entries")
    return_document = models.ForeignKey(Return, on_delete=models.PROTECT, null=True, related_name="points_entries")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, null=True, related_name="+")
    # Money a redemption paid.
    money_value = models.DecimalField(**MONEY, null=True, blank=True)
    # Credits expire on this day (oldest first); empty when points do not expire.
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # The key that makes a scheduled job or a bonus happen once ("birthday:2026", "welcome").
    once_key = models.CharField(max_length=40, null=True, blank=True)
    merged_from = models.BigIntegerField(null=True, blank=True)
    # When the movement happened: the sale's or the return's time, else when it was written.
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            # A balance goes below zero only through a return taking back spent points (when the
            # programme allows it) or a merge of such a balance; every other debit stops at zero.
            models.CheckConstraint(
                condition=Q(balance_after__gte=0) | Q(points__gte=0) | Q(kind__in=["reverse", "merge_out", "merge_in"]),
                name="points_entry_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(points=0) | Q(shortfall__gt=0) | Q(kind__in=["merge_in", "merge_out"]),
                name="points_entry_moves_points",
            ),
            models.CheckConstraint(condition=Q(shortfall__gte=0), name="points_entry_shortfall_not_negative"),
            models.CheckConstraint(
                condition=~Q(kind="adjust") | ~Q(reason=""), name="points_entry_adjustment_has_reason"
            ),
            models.UniqueConstraint(fields=["customer", "once_key"], name="points_entry_once_per_customer"),
            models.UniqueConstraint(
                fields=["sale", "kind"], condition=Q(kind__in=["earn", "redeem"]), name="points_entry_sale_once"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-id"], name="points_entry_customer_idx"),
            # The ledger's order on the Points tab: a customer's entries newest first by their date.
            models.Index(fields=["customer", "-occurred_at", "-id"], name="points_entry_customer_day_idx"),
            models.Index(fields=["occurred_at"], name="points_entry_occurred_idx"),
            models.Index(fields=["expires_on"], condition=Q(expires_on__isnull=False), name="points_entry_expiring"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points}"


class EarnedLine(models.Model):
    """The points one sale line earned (unrounded), so a return takes back its share."""

    sale_line = models.OneToOneField(SalesLine, on_delete=models.PROTECT, primary_key=True, related_name="earned")
    points = models.DecimalField(max_digits=14, decimal_places=4)
    rule = models.ForeignKey(EarningRule, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.sale_line_id}: {self.points}"


class LoyaltyEvent(models.Model):
    """A change to the programme's settings, an earning rule, a tier or a card type: who made it,
    when, and each field's old and new value. One row per change, written in the change's own
    transaction by loyalty.events; a deleted rule, tier or card type keeps its rows (the link is
    cleared, the name it had stays in `label`)."""

    class Kind(models.TextChoices):
        PROGRAMME_CHANGED = "programme_changed", _("Programme settings changed")
        RULE_CREATED = "rule_created", _("Earning rule added")
        RULE_CHANGED = "rule_changed", _("Earning rule changed")
        RULE_DELETED = "rule_deleted", _("Earning rule deleted")
        TIER_CREATED = "tier_created", _("Tier added")
        TIER_CHANGED = "tier_changed", _("Tier changed")
        TIER_DELETED = "tier_deleted", _("Tier deleted")
        CARD_TYPE_CREATED = "card_type_created", _("Card type added")
        CARD_TYPE_CHANGED = "card_type_changed", _("Card type changed")

    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    rule = models.ForeignKey(EarningRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    card_type = models.ForeignKey(CardType, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    # The name of the rule, tier or card type when the change was made.
    label = models.CharField(_("about"), max_length=100, blank=True)
    # {field: {"old": value, "new": value}}, values as text, numbers and lists of names.
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("loyalty event")
        verbose_name_plural = _("loyalty events")
        indexes = [models.Index(fields=["-occurred_at", "-id"], name="loyalty_event_occurred_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.label}"
