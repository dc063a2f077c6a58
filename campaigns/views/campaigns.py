"""The campaigns' pages: the list, the form of a draft (its texts per language), a campaign's page
(the audience, the preview of each text with a real customer's figures, scheduling, progress
while it goes out) and the customers' unsubscribe page, which needs no login."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from campaigns.forms import CampaignForm, ScheduleForm
from campaigns.links import unsubscribe_read, unsubscribe_url
from campaigns.models import Campaign, Recipient
from campaigns.rules import Definition
from campaigns.selectors.campaigns import (
    campaign_list,
    campaign_progress,
    campaign_texts,
    message_render,
    placeholder_values,
)
from campaigns.selectors.segments import segment_customers
from campaigns.services.campaigns import campaign_cancel, campaign_create, campaign_schedule, campaign_update
from crm.permissions import right_required
from customers.models import ConsentEvent, Customer
from customers.services.customers import customer_consent_set
from staff.roles import Right


@right_required(Right.USE_MARKETING)
def campaign_list_view(request):
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaign_list()})


@right_required(Right.USE_MARKETING)
def campaign_form_view(request, campaign_id: int | None = None):
    campaign = get_object_or_404(Campaign, pk=campaign_id) if campaign_id else None
    if campaign is not None and campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
        messages.error(request, _("A campaign that has gone out cannot be changed."))
        return redirect("campaigns:campaign_detail", campaign.pk)
    initial = CampaignForm.initial_of(campaign) if campaign else {"segment": request.GET.get("segment")}
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if campaign is None:
                campaign = campaign_create(data=form.data_input(), acting_user=request.user)
            else:
                campaign = campaign_update(campaign=campaign, data=form.data_input(), acting_user=request.user)
        except ValidationError as error:
            form.errors_take(error)
        else:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": campaign.name})
            return redirect("campaigns:campaign_detail", campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


def _previews(campaign: Campaign) -> list[dict]:
    """Each text as a real customer of the segment reads it: one whose language it is, else the
    first of the segment."""
    texts = campaign_texts(campaign)
    try:
        members = segment_customers(Definition.of_data(campaign.segment.definition))
    except ValidationError:
        return []
    previews = []
    for language, text in texts.items():
        customer = members.filter(language=language).order_by("pk").first() or members.order_by("pk").first()
        if customer is None:
            continue
        values = placeholder_values([customer], coupons={customer.pk: "2000000000008"})[customer.pk]
        link = unsubscribe_url(
            domain=connection.tenant.get_primary_domain().domain,
            schema=connection.schema_name,
            customer_id=customer.pk,
            channel=campaign.channel,
        )
        message = message_render(text=text, values=values, channel=campaign.channel, stop_link=link)
        previews.append({"language": text.get_language_display(), "customer": customer, "message": message})
    return previews


@right_required(Right.USE_MARKETING)
def campaign_detail_view(request, campaign_id: int):
    campaign = get_object_or_404(Campaign.objects.select_related("segment", "coupon_type"), pk=campaign_id)
    context = {
        "campaign": campaign,
        "progress": campaign_progress(campaign),
        "reasons": dict(Recipient.Reason.choices),
        "states": dict(Recipient.State.choices),
        "schedule_form": ScheduleForm(),
        "previews": _previews(campaign)
        if campaign.status in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED)
        else [],
        "events": campaign.events.select_related("acting_user")[:20],
    }
    if request.htmx:
        if request.GET.get("shown", campaign.status) != campaign.status:
            # Begun, sent or stopped since the page was drawn: its status, actions and preview change too.
            return HttpResponseClientRefresh()
        return render(request, "campaigns/campaign_detail.html#progress", context)
    return render(request, "campaigns/campaign_detail.html", context)


@require_POST
@right_required(Right.USE_MARKETING)
def campaign_schedule_view(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("send_at", []):
            messages.error(request, error)
        return redirect("campaigns:campaign_detail", campaign.pk)
    send_at = form.cleaned_data["send_at"]
    try:
        campaign = campaign_schedule(campaign=campaign, send_at=send_at, acting_user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if send_at is None or send_at <= timezone.now():
            messages.success(request, _("Campaign “%(name)s” is going out.") % {"name": campaign.name})
        else:
            messages.success(request, _("Campaign “%(name)s” is scheduled.") % {"name": campaign.name})
    return redirect("campaigns:campaign_detail", campaign.pk)


@require_POST
@right_required(Right.USE_MARKETING)
def campaign_cancel_view(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    try:
        campaign_cancel(campaign=campaign, acting_user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Campaign “%(name)s” cancelled.") % {"name": campaign.name})
    return redirect("campaigns:campaign_detail", campaign.pk)


CHANNEL_FIELDS = {ConsentEvent.Channel.EMAIL: "email_consent", ConsentEvent.Channel.SMS: "sms_consent"}


@csrf_exempt
def unsubscribe_view(request, token: str):
    """A customer's link from a message: the page asks to confirm (a link checker's GET changes
    nothing); the POST, from the page or a mail program's one-click (RFC 8058), withdraws the
    consent with a consent event. A link of another retailer, or one not signed here, is refused."""
    read = unsubscribe_read(token)
    if read is None or read[0] != connection.schema_name or read[2] not in CHANNEL_FIELDS:
        return HttpResponseBadRequest(_("This unsubscribe link is not valid."))
    _schema, customer_id, channel = read
    customer = Customer.objects.filter(pk=customer_id).first()
    tenant = connection.tenant
    language = (customer.language if customer else "") or tenant.language
    with translation.override(language):
        done = False
        if customer is not None and request.method == "POST":
            if getattr(customer, CHANNEL_FIELDS[channel]):
                customer_consent_set(
                    tenant=tenant,
                    customer=customer,
                    channel=channel,
                    is_given=False,
                    source="unsubscribe link",
                    acting_user=None,
                )
            done = True
        return render(
            request,
            "campaigns/unsubscribe.html",
            {
                "retailer": tenant.name,
                "channel": ConsentEvent.Channel(channel).label,
                "done": done,
                "known": customer is not None,
                "language": language,
            },
        )
