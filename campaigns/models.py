"""Segments: saved, named conditions on customers, evaluated live (campaigns.selectors.segments),
with who changed them and their size day by day; campaigns: a message to a segment, its
audience (recipients, hold-out, excluded) and the extra points its offer gave."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # campaigns.rules.Definition.as_data(): {"groups": [{"conditions": [{field, operator, value, extra}]}]}
    definition = models.JSONField(_("conditions"), default=dict)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="segment_name_unique")]

    def __str__(self) -> str:
        return self.name


class SegmentEvent(models.Model):
    """Who created, changed, archived or restored a segment, and what changed ({setting: [old,
    new]}, the conditions as their stored data); written in the same transaction."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        ARCHIVED = "archived", _("Archived")
        RESTORED = "restored", _("In use")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    changes = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.segment_id}"


class SegmentCount(models.Model):
    """How many customers the segment held on a day (counted by the nightly job, or when saved)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="counts")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("customers"))

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["segment", "day"], name="segment_count_day_unique")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.day}: {self.count}"


class Campaign(models.Model):
    """One message to a segment through one channel, with an optional offer and a hold-out group
    that receives nothing, so that the effect report can compare the two."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    class Offer(models.TextChoices):
        NONE = "none", _("No offer")
        MULTIPLIER = "multiplier", _("Points multiplied on purchases")
        BONUS = "bonus", _("Bonus points on the first purchase")
        COUPON = "coupon", _("A personal coupon")

    name = models.CharField(_("name"), max_length=100)
    segment = models.ForeignKey(Segment, verbose_name=_("segment"), on_delete=models.PROTECT, related_name="campaigns")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    holdout_percent = models.DecimalField(
        _("hold-out group (%)"),
        max_digits=4,
        decimal_places=1,
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
    )
    # The seed the hold-out was drawn with (recorded when the audience is drawn).
    holdout_seed = models.BigIntegerField(null=True, blank=True)
    offer = models.CharField(_("offer"), max_length=10, choices=Offer.choices, default=Offer.NONE)
    points_multiplier = models.DecimalField(
        _("points multiplier"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1.01")), MaxValueValidator(20)],
    )
    bonus_points = models.PositiveIntegerField(
        _("bonus points"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    coupon_type = models.ForeignKey(
        "loyalty.CardType", verbose_name=_("coupon type"), on_delete=models.PROTECT, null=True, blank=True
    )
    offer_days = models.PositiveSmallIntegerField(
        _("offer valid for (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # When the audience was drawn and sending began, and when the last message went.
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="campaign_name_unique"),
            models.CheckConstraint(
                condition=~Q(offer="multiplier") | Q(points_multiplier__gt=1), name="campaign_multiplier_given"
            ),
            models.CheckConstraint(condition=~Q(offer="bonus") | Q(bonus_points__gt=0), name="campaign_bonus_given"),
            models.CheckConstraint(
                condition=~Q(offer="coupon") | Q(coupon_type__isnull=False), name="campaign_coupon_type_given"
            ),
            models.CheckConstraint(
                condition=Q(holdout_percent__gte=0, holdout_percent__lte=50), name="campaign_holdout_share"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def offer_ends_at(self):
        if self.started_at is None:
            return None
        return self.started_at + datetime.timedelta(days=self.offer_days)


class CampaignText(models.Model):
    """The message in one language: a subject (e-mail) and a body with placeholders."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="campaign_text_language_unique"),
            models.CheckConstraint(condition=~Q(body=""), name="campaign_text_body_given"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.language}"


class Recipient(models.Model):
    """One customer of the campaign's audience, written when the audience is drawn, before any
    message goes: a recipient, one of the hold-out group, or excluded with the reason. A
    recipient's state moves pending → reserved (in a worker's batch) → sending (committed just
    before the message is handed over) → sent or failed, so that no message is handed over twice."""

    class Group(models.TextChoices):
        RECIPIENT = "recipient", _("Recipient")
        HOLDOUT = "holdout", _("Hold-out")
        EXCLUDED = "excluded", _("Excluded")

    class Reason(models.TextChoices):
        NONE = "", _("—")
        NO_CONSENT = "no_consent", _("No consent to this channel")
        NO_ADDRESS = "no_address", _("No address for this channel")
        ARCHIVED = "archived", _("Archived")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        # Taken into a worker's batch, not handed to the channel yet: waits again if the worker stops.
        RESERVED = "reserved", _("In a batch")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Handed to a worker that stopped before it said whether the message went: never sent again.
        UNCONFIRMED = "unconfirmed", _("Not confirmed")
        NOT_SENT = "", _("Not sent")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(_("group"), max_length=10, choices=Group.choices)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, blank=True)
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    coupon = models.ForeignKey("loyalty.Card", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    # The customer as they were when the audience was drawn: their RFM segment (empty: had not
    # bought) and last purchase, for the report of which campaigns brought whom back.
    rfm_segment = models.CharField(_("customer value when drawn"), max_length=20, blank=True)
    last_purchase_at = models.DateTimeField(_("last purchase when drawn"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="recipient_once_per_campaign"),
            models.CheckConstraint(
                condition=Q(group="recipient") & ~Q(state="") | ~Q(group="recipient") & Q(state=""),
                name="recipient_state_only_for_recipients",
            ),
            models.CheckConstraint(
                condition=Q(group="excluded") & ~Q(reason="") | ~Q(group="excluded") & Q(reason=""),
                name="recipient_reason_only_for_excluded",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"], name="recipient_campaign_state_idx"),
            models.Index(fields=["customer", "group"], name="recipient_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.customer_id} {self.group}"


class CampaignPoints(models.Model):
    """Extra points a campaign's offer gave on one sale: the ledger entry that carries them."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="points")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    sale = models.ForeignKey("sales.SalesDocument", on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField("loyalty.PointsEntry", on_delete=models.PROTECT, related_name="+")
    points = models.BigIntegerField()
    # What returns of the sale took back of them (with what they could not, the programme
    # stopping at zero).
    taken_back = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "sale"], name="campaign_points_once_per_sale"),
            models.CheckConstraint(
                condition=models.Q(taken_back__gte=0, taken_back__lte=models.F("points")),
                name="campaign_points_taken_back_within_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.sale_id}: {self.points}"


class CampaignEvent(models.Model):
    """Who created, changed, scheduled, cancelled or sent a campaign, written with the change."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        STARTED = "started", _("Sending started")
        FINISHED = "finished", _("Sent")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    changes = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.campaign_id}"
