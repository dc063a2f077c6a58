"""A campaign sent by real Celery workers through a real SMTP server on loopback: a worker killed
in the middle of sending, and the job delivered again to the next, send every message once; a
message the killed worker had handed over but not confirmed is never sent again."""

import os
import signal
import time
import uuid
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from django_tenants.utils import tenant_context

from campaigns.models import Campaign, Recipient, Segment
from campaigns.rules import Condition, ConditionGroup, Definition
from campaigns.services.campaigns import CampaignInput, TextInput, campaign_create
from campaigns.services.segments import segment_create
from campaigns.tasks import campaign_send_task
from customers.models import Customer
from tests.conftest import Inbox, free_port, worker_start
from tests.factories import CustomerFactory, CustomerGroupFactory

QUEUE = "campaign-fault-test"
CUSTOMERS = 120


class SlowInbox(Inbox):
    """Takes a while over each message, so that a worker can be killed in the middle."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def committed_campaign(committed_db, alpha):
    """A group of CUSTOMERS consenting customers, its segment and a scheduled campaign to them
    (no hold-out), committed for the workers; removed after."""
    tag = uuid.uuid4().hex[:6]
    with tenant_context(alpha.tenant):
        group = CustomerGroupFactory(name=f"Worker {tag}")
        for number in range(CUSTOMERS):
            CustomerFactory(
                first_name=f"W{number}", email=f"w{number}-{tag}@example.com", email_consent=True, group=group
            )
        segment = segment_create(
            name=f"Worker {tag}",
            definition=Definition(groups=(ConditionGroup(conditions=(Condition("group", "is", str(group.pk)),)),)),
            acting_user=None,
        )
        campaign = campaign_create(
            data=CampaignInput(
                name=f"Worker {tag}",
                segment=segment,
                holdout_percent=Decimal("0"),
                texts=(TextInput("en", "Hello", "Hi {{ first_name }}"),),
            ),
            acting_user=None,
        )
        Campaign.objects.filter(pk=campaign.pk).update(status="scheduled", scheduled_at=campaign.created_at)
    yield campaign
    with tenant_context(alpha.tenant):
        Campaign.objects.filter(pk=campaign.pk).delete()
        Segment.objects.filter(pk=segment.pk).delete()
        Customer.objects.filter(group=group).delete()
        group.delete()


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_worker_killed_while_sending_and_the_job_delivered_again_send_each_message_once(alpha, committed_campaign):
    inbox = SlowInbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    environment = {
        "REGULARS_EMAIL_HOST": "127.0.0.1",
        "REGULARS_EMAIL_PORT": str(inbox.port),
        "REGULARS_EMAIL_USE_TLS": "0",
        "REGULARS_CAMPAIGN_BATCH": "10",
    }
    try:
        worker = worker_start(queue=QUEUE, name="campaign-fault", environment=environment)
        try:
            with tenant_context(alpha.tenant):
                campaign_send_task.apply_async([committed_campaign.pk], queue=QUEUE)
            _wait(lambda: len(inbox.messages) >= 30, 60, "the worker sent nothing")
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        received_first = len(inbox.messages)
        assert received_first < CUSTOMERS
        with tenant_context(alpha.tenant):
            assert Campaign.objects.get(pk=committed_campaign.pk).status == "sending"
        worker = worker_start(queue=QUEUE, name="campaign-fault-again", environment=environment)
        try:
            with tenant_context(alpha.tenant):
                # Delivered twice: the second finds the first at work (or done) and sends nothing.
                campaign_send_task.apply_async([committed_campaign.pk], queue=QUEUE)
                campaign_send_task.apply_async([committed_campaign.pk], queue=QUEUE)

            def sent() -> bool:
                with tenant_context(alpha.tenant):
                    return Campaign.objects.get(pk=committed_campaign.pk).status == "sent"

            _wait(sent, 120, "the campaign was not finished")
            time.sleep(0.5)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
    finally:
        controller.stop()
    addresses = [message["To"] for message in inbox.messages]
    assert len(addresses) == len(set(addresses)), "a message went twice"
    with tenant_context(alpha.tenant):
        states = dict(Recipient.objects.filter(campaign=committed_campaign).values_list("address", "state"))
    assert len(states) == CUSTOMERS
    assert set(states.values()) <= {"sent", "unconfirmed"}
    unconfirmed = {address for address, state in states.items() if state == "unconfirmed"}
    # At most the message in the SMTP conversation when the worker died is left unconfirmed.
    assert len(unconfirmed) <= 1
    assert set(addresses) == {address for address, state in states.items() if state == "sent"} | (
        unconfirmed & set(addresses)
    )
    assert len(addresses) >= CUSTOMERS - 1
