"""The append-only ledger of gift cards' money.

A gift card's balance is the sum of its entries: issued with the type's value, loaded at the till,
spent on a sale, refunded by a return of that sale, expired, or moved to the card that replaces it.
Entries are never updated or deleted (a trigger refuses it, see migration 0006), and the insert
trigger keeps `Card.balance` equal to their sum; the card's constraint keeps it from going below
zero, so a spend larger than the balance cannot be written however it is sent.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.models.cards import Card
from sales.models import MONEY, Return, SalesDocument, Store, Terminal


class GiftEntry(models.Model):
    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        LOADED = "loaded", _("Loaded")
        SPENT = "spent", _("Spent")
        REFUNDED = "refunded", _("Refunded by a return")
        EXPIRED = "expired", _("Expired")
        MOVED_OUT = "moved_out", _("Moved to the replacing card")
        MOVED_IN = "moved_in", _("Taken over from the replaced card")
        # A card from stock that replaces a lost one carries the lost card's money, not its own value.
        VOIDED = "voided", _("Own value voided: replaces another card")

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="gift_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    # The card's balance this entry leaves (the insert trigger checks it against the ledger).
    balance_after = models.DecimalField(_("balance after"), **MONEY)
    sale = models.ForeignKey(SalesDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    return_document = models.ForeignKey(Return, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    terminal = models.ForeignKey(Terminal, on_delete=models.PROTECT, null=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, related_name="+")
    # Written at most once per card (a sale's spend, a return's refund), however often it is sent.
    once_key = models.CharField(max_length=40, null=True, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("gift card entry")
        verbose_name_plural = _("gift card entries")
        constraints = [
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="gift_entry_balance_not_negative"),
            models.CheckConstraint(condition=~Q(amount=0), name="gift_entry_moves_money"),
            models.CheckConstraint(
                condition=Q(kind__in=["issued", "loaded", "refunded", "moved_in"], amount__gt=0)
                | Q(kind__in=["spent", "expired", "moved_out", "voided"], amount__lt=0),
                name="gift_entry_sign_of_kind",
            ),
            models.UniqueConstraint(fields=["card", "once_key"], name="gift_entry_once_per_card"),
        ]
        indexes = [models.Index(fields=["card", "-occurred_at", "-id"], name="gift_entry_card_idx")]

    def __str__(self) -> str:
        return f"{self.card_id} {self.kind} {self.amount}"
