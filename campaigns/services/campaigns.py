"""Writing campaigns: create and change a draft (its texts per language), schedule it to go now
or at a time, cancel it before it goes; each with its event in the same transaction. Sending is
campaigns.services.sending's."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignEvent, CampaignText, Segment
from campaigns.rules import PLACEHOLDERS, placeholders_unknown
from loyalty.models import CardType
from staff.models import User

SMS_MAX_CHARACTERS = 480
LANGUAGE_NAMES = dict(settings.LANGUAGES)


@dataclass(frozen=True)
class TextInput:
    language: str
    subject: str
    body: str


@dataclass(frozen=True)
class CampaignInput:
    """What a marketer sets on a campaign; the form makes one, the service checks it."""

    name: str
    segment: Segment | None
    channel: str = Campaign.Channel.EMAIL
    holdout_percent: Decimal | None = Decimal("10")
    offer: str = Campaign.Offer.NONE
    points_multiplier: Decimal | None = None
    bonus_points: int | None = None
    coupon_type: CardType | None = None
    offer_days: int | None = 30
    texts: tuple[TextInput, ...] = ()


FIELDS = (
    "name",
    "segment",
    "channel",
    "holdout_percent",
    "offer",
    "points_multiplier",
    "bonus_points",
    "coupon_type",
    "offer_days",
)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def _checked(data: CampaignInput, *, campaign: Campaign | None) -> dict:
    """The values to store, or a ValidationError naming every problem at once."""
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    name = " ".join((data.name or "").split())
    if not name:
        problem("name", _("Give the campaign a name."))
    elif len(name) > 100:
        problem("name", _("A name has at most 100 characters."))
    else:
        taken = Campaign.objects.filter(name__iexact=name)
        if campaign is not None:
            taken = taken.exclude(pk=campaign.pk)
        if taken.exists():
            problem("name", _("A campaign named “%(name)s” exists already.") % {"name": name})
    if data.segment is None:
        problem("segment", _("Choose the segment the campaign goes to."))
    elif data.segment.is_archived:
        problem("segment", _("The segment %(name)s is archived.") % {"name": data.segment.name})
    if data.channel not in Campaign.Channel.values:
        problem("channel", _("Choose e-mail or SMS."))
    holdout = _decimal(data.holdout_percent)
    if holdout is None or not holdout.is_finite() or not Decimal("0") <= holdout <= Decimal("50"):
        problem("holdout_percent", _("The hold-out group is a share from 0 to 50 per cent."))
    elif holdout != holdout.quantize(Decimal("0.1")):
        problem("holdout_percent", _("The hold-out share has at most one decimal."))
    values = {
        "name": name,
        "segment": data.segment,
        "channel": data.channel,
        "holdout_percent": holdout,
        "offer": data.offer,
        "points_multiplier": None,
        "bonus_points": None,
        "coupon_type": None,
        "offer_days": data.offer_days or 30,
    }
    if data.offer not in Campaign.Offer.values:
        problem("offer", _("Choose an offer, or no offer."))
    elif data.offer == Campaign.Offer.MULTIPLIER:
        multiplier = _decimal(data.points_multiplier)
        if multiplier is None or not multiplier.is_finite() or not Decimal("1.01") <= multiplier <= Decimal("20"):
            problem("points_multiplier", _("The points multiplier is a number from 1.01 to 20, e.g. 2."))
        elif multiplier != multiplier.quantize(Decimal("0.01")):
            problem("points_multiplier", _("The points multiplier has at most two decimals."))
        else:
            values["points_multiplier"] = multiplier
    elif data.offer == Campaign.Offer.BONUS:
        if not isinstance(data.bonus_points, int) or not 1 <= data.bonus_points <= 1_000_000:
            problem("bonus_points", _("The bonus is a whole number of points from 1 to 1,000,000."))
        else:
            values["bonus_points"] = data.bonus_points
    elif data.offer == Campaign.Offer.COUPON:
        coupon_type = data.coupon_type
        if coupon_type is None:
            problem("coupon_type", _("Choose the coupon type the personal coupons are made of."))
        elif coupon_type.kind != CardType.Kind.COUPON or not coupon_type.is_active:
            problem("coupon_type", _("%(name)s is not an active coupon type.") % {"name": coupon_type.name})
        else:
            values["coupon_type"] = coupon_type
    if data.offer != Campaign.Offer.NONE and (not isinstance(data.offer_days, int) or not 1 <= data.offer_days <= 365):
        problem("offer_days", _("The offer is valid for 1 to 365 days."))
    _texts_check(data, problem)
    if errors:
        raise ValidationError(errors)
    return values


def _texts_check(data: CampaignInput, problem) -> None:
    allowed = PLACEHOLDERS
    if data.offer != Campaign.Offer.COUPON:
        allowed = tuple(name for name in PLACEHOLDERS if name != "coupon_code")
    seen = set()
    for text in data.texts:
        language = LANGUAGE_NAMES.get(text.language)
        if language is None:
            problem("texts", _("“%(code)s” is not a language of Regulars.") % {"code": text.language})
            continue
        if text.language in seen:
            problem("texts", _("The text in %(language)s is given twice.") % {"language": language})
        seen.add(text.language)
        if not text.body.strip():
            continue
        if data.channel == Campaign.Channel.EMAIL and not text.subject.strip():
            problem(
                f"subject_{text.language}", _("Give the e-mail's subject in %(language)s.") % {"language": language}
            )
        if len(text.subject) > 200:
            problem(f"subject_{text.language}", _("A subject has at most 200 characters."))
        if data.channel == Campaign.Channel.SMS and len(text.body) > SMS_MAX_CHARACTERS:
            problem(
                f"body_{text.language}",
                _("An SMS text has at most %(count)s characters; this one has %(length)s.")
                % {"count": SMS_MAX_CHARACTERS, "length": len(text.body)},
            )
        for part, field in ((text.subject, "subject"), (text.body, "body")):
            unknown = placeholders_unknown(part, allowed=allowed)
            if unknown:
                problem(
                    f"{field}_{text.language}",
                    _("Unknown placeholder %(names)s; the placeholders are %(allowed)s.")
                    % {
                        "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                        "allowed": ", ".join(f"{{{{ {name} }}}}" for name in allowed),
                    },
                )
    default = connection.tenant.language
    if not any(text.language == default and text.body.strip() for text in data.texts):
        problem(
            f"body_{default}",
            _(
                "Write the text in %(language)s, the retailer's language: customers without a text in their own "
                "language receive it."
            )
            % {"language": LANGUAGE_NAMES.get(default, default)},
        )


def _texts_write(campaign: Campaign, texts: tuple[TextInput, ...]) -> dict:
    """The campaign's texts replaced by the given ones (those with a body); {language: [old, new]}."""
    before = {text.language: [text.subject, text.body] for text in campaign.texts.all()}
    after = {text.language: [text.subject.strip(), text.body.strip()] for text in texts if text.body.strip()}
    if before == after:
        return {}
    CampaignText.objects.filter(campaign=campaign).delete()
    CampaignText.objects.bulk_create(
        [
            CampaignText(campaign=campaign, language=language, subject=subject, body=body)
            for language, (subject, body) in after.items()
        ]
    )
    return {"texts": [before, after]}


def _shown(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return str(value)
    return value


@transaction.atomic
def campaign_create(*, data: CampaignInput, acting_user: User | None) -> Campaign:
    """A new draft campaign with its texts (and its event)."""
    values = _checked(data, campaign=None)
    campaign = Campaign.objects.create(**values, created_by=acting_user)
    _texts_write(campaign, data.texts)
    CampaignEvent.objects.create(campaign=campaign, kind=CampaignEvent.Kind.CREATED, acting_user=acting_user)
    return campaign


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _not_started(campaign: Campaign) -> None:
    if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
        raise ValidationError(
            _("The campaign is %(status)s; only a draft or a scheduled campaign can be changed.")
            % {"status": campaign.get_status_display().lower()}
        )


@transaction.atomic
def campaign_update(*, campaign: Campaign, data: CampaignInput, acting_user: User | None) -> Campaign:
    """Change a campaign that has not started going out (an event names what changed)."""
    locked = _locked(campaign)
    _not_started(locked)
    values = _checked(data, campaign=locked)
    changes = {
        key: [_shown(getattr(locked, key)), _shown(value)]
        for key, value in values.items()
        if getattr(locked, key) != value
    }
    for key, value in values.items():
        setattr(locked, key, value)
    locked.save()
    changes.update(_texts_write(locked, data.texts))
    if changes:
        CampaignEvent.objects.create(
            campaign=locked, kind=CampaignEvent.Kind.CHANGED, changes=changes, acting_user=acting_user
        )
    return locked


def campaign_input_of(campaign: Campaign) -> CampaignInput:
    """The campaign's stored settings as an input (to check them again before it goes)."""
    return CampaignInput(
        name=campaign.name,
        segment=campaign.segment,
        channel=campaign.channel,
        holdout_percent=campaign.holdout_percent,
        offer=campaign.offer,
        points_multiplier=campaign.points_multiplier,
        bonus_points=campaign.bonus_points,
        coupon_type=campaign.coupon_type,
        offer_days=campaign.offer_days,
        texts=tuple(TextInput(text.language, text.subject, text.body) for text in campaign.texts.all()),
    )


@transaction.atomic
def campaign_schedule(*, campaign: Campaign, send_at: datetime.datetime | None, acting_user: User | None) -> Campaign:
    """Schedule the campaign to go at `send_at` (None: now). Its settings are checked again; the
    job is sent when this commits (and, should that be lost, the minute's check of due campaigns
    sends it again)."""
    from campaigns.tasks import campaign_send_task

    locked = _locked(campaign)
    _not_started(locked)
    _checked(campaign_input_of(locked), campaign=locked)
    now = timezone.now()
    if send_at is not None and send_at < now - datetime.timedelta(minutes=1):
        raise ValidationError({"send_at": _("The time to send is in the past; give a later one or send now.")})
    locked.status, locked.scheduled_at = Campaign.Status.SCHEDULED, send_at or now
    locked.save(update_fields=["status", "scheduled_at", "updated_at"])
    CampaignEvent.objects.create(
        campaign=locked,
        kind=CampaignEvent.Kind.SCHEDULED,
        changes={"send_at": locked.scheduled_at.isoformat()},
        acting_user=acting_user,
    )
    if locked.scheduled_at <= now:
        campaign_send_task.delay_on_commit(locked.pk)
    return locked


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, acting_user: User | None) -> Campaign:
    """Cancel a campaign before it goes out (a draft or a scheduled one)."""
    locked = _locked(campaign)
    _not_started(locked)
    locked.status = Campaign.Status.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    CampaignEvent.objects.create(campaign=locked, kind=CampaignEvent.Kind.CANCELLED, acting_user=acting_user)
    return locked
