"""Sending a campaign, exactly once per recipient, in the background.

The job (campaigns.tasks.campaign_send_task) holds a PostgreSQL advisory lock on the campaign for
as long as it sends, so a job delivered twice finds the lock taken and stops; the lock goes with
its connection when a worker dies. The first job draws the audience in one transaction: every
customer of the segment gets a row (a recipient, one of the hold-out drawn with a recorded seed,
or excluded with the reason) before any message goes. Then, batch by batch, recipients are
reserved (pending → reserved, committed); each row is marked "sending" and committed just before
its message is handed to the backend, then sent or failed at once. A reserved row left by a
worker that stopped waits again. A row found "sending" by the next job was handed over by a worker that
stopped before it said how it went: it becomes "not confirmed" and is never sent again. Nothing is
sent twice; a job that stops midway is resumed by the next (the broker hands the task back, and the
minute's check of due campaigns sends it again).
"""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib
from contextlib import contextmanager
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.links import unsubscribe_url
from campaigns.models import Campaign, CampaignEvent, Recipient
from campaigns.rules import Definition, holdout_draw
from campaigns.selectors.campaigns import campaign_texts, message_render, placeholder_values, text_language
from campaigns.selectors.segments import segment_customers
from campaigns.sms import SmsError, sms_backend
from crm.copy import copy_values
from customers.models import CustomerStatus
from customers.selectors.rfm import rfm_scores_sql
from loyalty.services.cards import coupons_issue

logger = logging.getLogger(__name__)


@contextmanager
def _campaign_lock(campaign_id: int):
    """True while this connection holds the campaign's advisory lock (advisory locks span the
    database, so the key names the retailer's schema too)."""
    key = f"{connection.schema_name}.campaign.{campaign_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        (held,) = cursor.fetchone()
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _address(row: dict, channel: str) -> str:
    return row["email"] if channel == Campaign.Channel.EMAIL else row["phone"]


def _consented(row: dict, channel: str) -> bool:
    return row["email_consent"] if channel == Campaign.Channel.EMAIL else row["sms_consent"]


def audience_draw(campaign: Campaign) -> None:
    """Every customer of the segment as a row of the audience (inside the caller's transaction)."""
    definition = Definition.of_data(campaign.segment.definition)
    rows = list(
        segment_customers(definition).values(
            "pk", "status", "email", "phone", "email_consent", "sms_consent", "language", "last_purchase_at"
        )
    )
    texts = campaign_texts(campaign)
    eligible, audience = [], []
    for row in rows:
        if row["status"] == CustomerStatus.ARCHIVED:
            reason = Recipient.Reason.ARCHIVED
        elif not _consented(row, campaign.channel):
            reason = Recipient.Reason.NO_CONSENT
        elif not _address(row, campaign.channel):
            reason = Recipient.Reason.NO_ADDRESS
        else:
            reason = ""
            eligible.append(row["pk"])
        audience.append((row, reason))
    seed = secrets.randbits(62)
    held_out = holdout_draw(eligible, percent=campaign.holdout_percent, seed=seed)
    coupons = {}
    if campaign.offer == Campaign.Offer.COUPON:
        valid_until = timezone.localdate() + datetime.timedelta(days=campaign.offer_days)
        coupons = coupons_issue(
            card_type=campaign.coupon_type,
            customer_ids=[pk for pk in eligible if pk not in held_out],
            valid_until=valid_until,
            acting_user=None,
            note=_("Campaign %(name)s") % {"name": campaign.name},
        )
    values = []
    for row, reason in audience:
        language = text_language(texts=texts, customer_language=row["language"])
        if reason:
            values.append(
                (
                    campaign.pk,
                    row["pk"],
                    Recipient.Group.EXCLUDED.value,
                    reason,
                    "",
                    "",
                    "",
                    None,
                    row["last_purchase_at"],
                )
            )
        elif row["pk"] in held_out:
            values.append(
                (
                    campaign.pk,
                    row["pk"],
                    Recipient.Group.HOLDOUT.value,
                    "",
                    "",
                    "",
                    language,
                    None,
                    row["last_purchase_at"],
                )
            )
        else:
            coupon = coupons.get(row["pk"])
            values.append(
                (
                    campaign.pk,
                    row["pk"],
                    Recipient.Group.RECIPIENT.value,
                    "",
                    Recipient.State.PENDING.value,
                    _address(row, campaign.channel),
                    language,
                    coupon.pk if coupon else None,
                    row["last_purchase_at"],
                )
            )
    copy_values(
        Recipient,
        (
            "campaign_id",
            "customer_id",
            "group",
            "reason",
            "state",
            "address",
            "language",
            "coupon_id",
            "last_purchase_at",
        ),
        values,
    )
    _rfm_record(campaign)
    campaign.holdout_seed = seed


def _rfm_record(campaign: Campaign) -> None:
    """Each drawn customer's RFM segment as the RFM report scores it now, in one statement."""
    sql, params = rfm_scores_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE campaigns_recipient AS recipient SET rfm_segment = rfm.segment
            FROM ({sql}) AS rfm
            WHERE recipient.campaign_id = %s AND recipient.customer_id = rfm.customer_id""",
            [*params, campaign.pk],
        )


def _start(campaign_id: int) -> Campaign | None:
    """The campaign to send, its audience drawn when it is due and not drawn yet; None when there
    is nothing to send (cancelled, sent, not due)."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update(of=("self",)).select_related("segment", "coupon_type")
        campaign = campaign.filter(pk=campaign_id).first()
        if campaign is None:
            return None
        if campaign.status == Campaign.Status.SCHEDULED and campaign.scheduled_at <= timezone.now():
            try:
                audience_draw(campaign)
            except ValidationError as error:
                # A condition on something deleted since, a coupon range run out: say so, send nothing.
                transaction.set_rollback(True)
                Campaign.objects.filter(pk=campaign.pk).update(
                    status=Campaign.Status.FAILED, error=" ".join(error.messages), finished_at=timezone.now()
                )
                return None
            campaign.status, campaign.started_at = Campaign.Status.SENDING, timezone.now()
            campaign.save(update_fields=["status", "started_at", "holdout_seed", "updated_at"])
            CampaignEvent.objects.create(campaign=campaign, kind=CampaignEvent.Kind.STARTED)
        return campaign if campaign.status == Campaign.Status.SENDING else None


def _claim(campaign: Campaign, size: int) -> list[Recipient]:
    """The next pending recipients, reserved for this batch (committed)."""
    with transaction.atomic():
        ids = list(
            Recipient.objects.select_for_update(skip_locked=True)
            .filter(campaign=campaign, state=Recipient.State.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        Recipient.objects.filter(pk__in=ids).update(state=Recipient.State.RESERVED)
    return list(Recipient.objects.filter(pk__in=ids).select_related("customer", "coupon").order_by("pk"))


def _mark(recipient: Recipient, state: str, error: str = "") -> None:
    Recipient.objects.filter(pk=recipient.pk, state=Recipient.State.SENDING).update(
        state=state, error=error[:300], sent_at=timezone.now() if state == Recipient.State.SENT else None
    )


def _excluded_since(recipient: Recipient, channel: str) -> str:
    """Why a recipient may no longer be sent to (archived or consent withdrawn since the draw)."""
    customer = recipient.customer
    if customer.status == CustomerStatus.ARCHIVED:
        return Recipient.Reason.ARCHIVED
    consented = customer.email_consent if channel == Campaign.Channel.EMAIL else customer.sms_consent
    return "" if consented else Recipient.Reason.NO_CONSENT


class _Stop(Exception):
    """The channel is away: the rest of the batch goes back to pending and the job stops."""


def _send_batch(campaign: Campaign, batch: list[Recipient], *, texts, domain: str, sender) -> None:
    values = placeholder_values(
        [recipient.customer for recipient in batch],
        coupons={recipient.customer_id: recipient.coupon.number for recipient in batch if recipient.coupon_id},
    )
    schema = connection.schema_name
    for index, recipient in enumerate(batch):
        reason = _excluded_since(recipient, campaign.channel)
        if reason:
            Recipient.objects.filter(pk=recipient.pk).update(
                group=Recipient.Group.EXCLUDED, reason=reason, state=Recipient.State.NOT_SENT
            )
            continue
        # Committed before the hand-over: from here on the message may have gone.
        Recipient.objects.filter(pk=recipient.pk).update(state=Recipient.State.SENDING)
        text = texts.get(recipient.language) or texts[connection.tenant.language]
        link = unsubscribe_url(
            domain=domain, schema=schema, customer_id=recipient.customer_id, channel=campaign.channel
        )
        message = message_render(
            text=text, values=values[recipient.customer_id], channel=campaign.channel, stop_link=link
        )
        try:
            sender(recipient, message, link)
        except _Refused as error:
            _mark(recipient, Recipient.State.FAILED, str(error))
        except Exception as error:
            # It may have gone: never again. The rest of the batch waits for the next job.
            _mark(recipient, Recipient.State.UNCONFIRMED, f"{type(error).__name__}: {error}")
            Recipient.objects.filter(
                pk__in=[other.pk for other in batch[index + 1 :]], state=Recipient.State.RESERVED
            ).update(state=Recipient.State.PENDING)
            raise _Stop(str(error)) from error
        else:
            _mark(recipient, Recipient.State.SENT)


class _Refused(Exception):
    """The channel refused this one message: it did not go."""


def _email_sender(campaign: Campaign):
    mail = get_connection(fail_silently=False)
    mail.open()
    from_address = formataddr((connection.tenant.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))

    def send(recipient: Recipient, message, link: str) -> None:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=from_address,
            to=[recipient.address],
            headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
            connection=mail,
        )
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise _Refused(_("The mail server refused the address.")) from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                raise _Refused(f"{error.smtp_code} {error.smtp_error!r}"[:300]) from error
            raise

    return send, mail.close


def _sms_sender(campaign: Campaign):
    backend = sms_backend()
    sender_name = connection.tenant.name[:11]

    def send(recipient: Recipient, message, link: str) -> None:
        try:
            backend.send(to=recipient.address, text=message.body, sender=sender_name)
        except SmsError as error:
            raise _Refused(str(error)) from error

    return send, lambda: None


def campaign_send(*, campaign_id: int) -> str:
    """The job: send what is left of the campaign; returns what it did ("busy": another job has
    it; "nothing": not due or done; "sent"; "stopped": the channel is away, resumed later)."""
    with _campaign_lock(campaign_id) as held:
        if not held:
            return "busy"
        campaign = _start(campaign_id)
        if campaign is None:
            return "nothing"
        Recipient.objects.filter(campaign=campaign, state=Recipient.State.RESERVED).update(
            state=Recipient.State.PENDING
        )
        left = Recipient.objects.filter(campaign=campaign, state=Recipient.State.SENDING).update(
            state=Recipient.State.UNCONFIRMED,
            error=_("A worker stopped while sending this message; it is not sent again."),
        )
        if left:
            logger.warning("campaign %s: %s messages not confirmed by a stopped worker", campaign.pk, left)
        texts = campaign_texts(campaign)
        domain = connection.tenant.get_primary_domain().domain
        if Recipient.objects.filter(campaign=campaign, state=Recipient.State.PENDING).exists():
            make = _email_sender if campaign.channel == Campaign.Channel.EMAIL else _sms_sender
            try:
                sender, close = make(campaign)
            except OSError as error:
                logger.warning("campaign %s: the channel is away (%s)", campaign.pk, error)
                return "stopped"
            try:
                while batch := _claim(campaign, settings.CAMPAIGN_BATCH):
                    _send_batch(campaign, batch, texts=texts, domain=domain, sender=sender)
            except _Stop as error:
                logger.warning("campaign %s stopped: %s", campaign.pk, error)
                return "stopped"
            finally:
                close()
        with transaction.atomic():
            Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
                status=Campaign.Status.SENT, finished_at=timezone.now()
            )
            CampaignEvent.objects.create(campaign=campaign, kind=CampaignEvent.Kind.FINISHED)
        return "sent"


def campaigns_due() -> list[int]:
    """The campaigns a job should be working on: scheduled and due, or sending (a job that stopped
    is resumed; one still working makes the new one stop at the lock)."""
    now = timezone.now()
    return list(
        Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now)
        .union(Campaign.objects.filter(status=Campaign.Status.SENDING))
        .values_list("pk", flat=True)
    )
