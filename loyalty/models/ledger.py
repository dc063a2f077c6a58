"""The append-only points ledger.

Points are whole numbers. The ledger is the truth: every movement is one `PointsEntry`, never
updated or deleted (a trigger refuses it, see migration 0002), and `PointsAccount.balance` is the
cached sum that the same trigger keeps equal to it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from loyalty.models.cards import Card
from loyalty.models.programme import EarningRule
from sales.models import MONEY, Return, SalesDocument, SalesLine, Store, Terminal


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
