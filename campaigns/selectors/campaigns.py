"""Reading campaigns: the list, a campaign's audience and progress, and its messages as each
customer reads them (placeholders filled with the customer's own figures, a batch at a time)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Min, Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignText, Recipient
from campaigns.rules import EXPIRING_DAYS, text_render
from campaigns.selectors.conditions import points_expiring
from customers.models import Customer
from loyalty.models import Card, CardType, PointsAccount, PointsEntry


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("segment").annotate(
        recipients_count=Count("recipients", filter=Q(recipients__group=Recipient.Group.RECIPIENT)),
        sent_count=Count("recipients", filter=Q(recipients__state=Recipient.State.SENT)),
    )


@dataclass(frozen=True)
class Progress:
    """A campaign's audience as drawn: how many in each group, why customers were excluded, and
    where the recipients' messages are."""

    recipients: int
    holdout: int
    excluded: dict[str, int]
    states: dict[str, int]

    @property
    def drawn(self) -> int:
        return self.recipients + self.holdout + sum(self.excluded.values())

    @property
    def done(self) -> int:
        return sum(count for state, count in self.states.items() if state not in ("pending", "sending"))

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.recipients) if self.recipients else 100


def campaign_progress(campaign: Campaign) -> Progress:
    """One grouped query over the campaign's audience."""
    rows = (
        Recipient.objects.filter(campaign=campaign)
        .values("group", "reason", "state")
        .annotate(count=Count("pk"))
        .order_by()
    )
    recipients = holdout = 0
    excluded: dict[str, int] = {}
    states: dict[str, int] = {}
    for row in rows:
        if row["group"] == Recipient.Group.RECIPIENT:
            recipients += row["count"]
            states[row["state"]] = states.get(row["state"], 0) + row["count"]
        elif row["group"] == Recipient.Group.HOLDOUT:
            holdout += row["count"]
        else:
            excluded[row["reason"]] = excluded.get(row["reason"], 0) + row["count"]
    return Progress(recipients=recipients, holdout=holdout, excluded=excluded, states=states)


def campaign_texts(campaign: Campaign) -> dict[str, CampaignText]:
    return {text.language: text for text in campaign.texts.all()}


@dataclass(frozen=True)
class Message:
    language: str
    subject: str
    body: str


def text_language(*, texts: dict, customer_language: str) -> str:
    """The customer's language for communication where the campaign has a text in it, else the
    retailer's language."""
    return customer_language if customer_language in texts else connection.tenant.language


def _expiring(customer_ids: list[int], *, today: datetime.date) -> dict[int, tuple[int, datetime.date | None]]:
    """Per customer: the points that expire within EXPIRING_DAYS unless spent first (as the
    segment condition counts them) and the first day one of them expires."""
    horizon = today + datetime.timedelta(days=EXPIRING_DAYS)
    rows = points_expiring(PointsEntry.objects.filter(customer_id__in=customer_ids), today=today).annotate(
        first_day=Min("expires_on", filter=Q(points__gt=0, expires_on__gt=today, expires_on__lte=horizon))
    )
    return {row["customer_id"]: (row["due"], row["first_day"] if row["due"] else None) for row in rows}


def placeholder_values(customers: list[Customer], *, coupons: dict[int, str]) -> dict[int, dict]:
    """Each customer's placeholder values, in three queries for the batch: the balance, the points
    expiring, the loyalty card's number (a coupon's is the recipient's own)."""
    ids = [customer.pk for customer in customers]
    today = timezone.localdate()
    balances = dict(PointsAccount.objects.filter(pk__in=ids).values_list("pk", "balance"))
    expiring = _expiring(ids, today=today)
    cards = dict(
        Card.objects.filter(customer_id__in=ids, status=Card.Status.ACTIVE)
        .exclude(card_type__kind__in=[CardType.Kind.COUPON, CardType.Kind.GIFT])
        .order_by("customer_id", "-assigned_at", "-pk")
        .distinct("customer_id")
        .values_list("customer_id", "number")
    )
    values = {}
    for customer in customers:
        points_expiring, first_day = expiring.get(customer.pk, (0, None))
        values[customer.pk] = {
            "first_name": customer.first_name or customer.company_name,
            "points": balances.get(customer.pk, 0),
            "points_expiring": points_expiring,
            "expiring_on": first_day,
            "card_number": cards.get(customer.pk, ""),
            "coupon_code": coupons.get(customer.pk, ""),
        }
    return values


def _shown(value) -> str:
    """A placeholder's value as the message's language writes it."""
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    return str(value or "")


def message_render(*, text: CampaignText, values: dict, channel: str, stop_link: str) -> Message:
    """The message in the text's language, its placeholders filled, with how to stop: the
    unsubscribe link below an e-mail, the stop line at the end of an SMS."""
    with translation.override(text.language):
        values = {name: _shown(value) for name, value in values.items()}
        body = text_render(text.body, values)
        if channel == Campaign.Channel.EMAIL:
            footer = _("You receive this e-mail because you agreed to our news. To receive no more: %(link)s") % {
                "link": stop_link
            }
            body = f"{body}\n\n-- \n{footer}\n"
        else:
            body = f"{body}\n" + _("Stop: %(link)s") % {"link": stop_link}
        return Message(language=text.language, subject=text_render(text.subject, values), body=body)
