"""Marketing instruments: card types, numbered batches, cards and what happened to each."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from sales.models import MONEY, Terminal


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
    # A coupon: the receipt it applies from, the product groups it applies to (none: every
    # product; a group takes in its sub-groups), and how many sales may use it.
    coupon_min_receipt = models.DecimalField(_("minimum receipt"), **MONEY, null=True, blank=True)
    coupon_product_groups = models.ManyToManyField(
        "sales.ProductGroup", verbose_name=_("applies to product groups"), blank=True, related_name="+"
    )
    coupon_uses = models.PositiveSmallIntegerField(
        _("uses per coupon"), default=1, validators=[MinValueValidator(1), MaxValueValidator(1000)]
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
    # A coupon: the sales that used it so far (used up at its type's uses).
    uses = models.PositiveSmallIntegerField(_("uses"), default=0)
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
