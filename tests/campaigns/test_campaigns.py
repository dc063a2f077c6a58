"""Campaigns against real parts: messages through a real SMTP server on loopback, consent and the
hold-out kept, exactly once when a job comes twice or a worker stopped, the unsubscribe link, the
points offer on the till's path, personal coupons used once; two retailers apart."""

import math
import statistics
import threading
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from campaigns.links import unsubscribe_token
from campaigns.models import Campaign, CampaignEvent, CampaignPoints, CampaignText, Recipient
from campaigns.rules import (
    Definition,
    GroupFigures,
    holdout_draw,
    holdout_size,
    placeholders_unknown,
    text_render,
    uplift,
)
from campaigns.selectors.effect import campaign_effect
from campaigns.services.campaigns import CampaignInput, TextInput, campaign_create, campaign_schedule
from campaigns.services.segments import segment_create
from campaigns.services.sending import campaign_send
from customers.models import ConsentEvent, Customer
from loyalty.models import Card, PointsAccount, PointsEntry
from loyalty.services.sale_points import LoyaltyAtSale
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register
from tests.factories import CardTypeFactory, CustomerFactory

pytestmark = pytest.mark.django_db

HELLO = TextInput("en", "Hello {{ first_name }}", "Hi {{ first_name }}, you have {{ points }} points.")
HALLO = TextInput("de", "Hallo {{ first_name }}", "Hallo {{ first_name }}, Sie haben {{ points }} Punkte.")


def _segment(name="Everyone"):
    return segment_create(name=name, definition=Definition(groups=()), acting_user=None)


def _campaign(segment, **values) -> Campaign:
    data = {"name": "Come back", "segment": segment, "texts": (HELLO, HALLO), **values}
    return campaign_create(data=CampaignInput(**data), acting_user=None)


def _sent(campaign: Campaign) -> Campaign:
    campaign_schedule(campaign=campaign, send_at=None, acting_user=None)
    assert campaign_send(campaign_id=campaign.pk) == "sent"
    return Campaign.objects.get(pk=campaign.pk)


@pytest.fixture
def audience(alpha):
    """Alpha: 20 customers who consented to e-mail (two of them German-speaking), one who did
    not, one without an address; beta: a customer of its own."""
    with tenant_context(alpha.tenant):
        consented = [
            CustomerFactory(first_name=f"Anna{n}", email=f"anna{n}@example.com", email_consent=True) for n in range(18)
        ]
        consented += [
            CustomerFactory(first_name=f"Jens{n}", email=f"jens{n}@example.com", email_consent=True, language="de")
            for n in range(2)
        ]
        CustomerFactory(first_name="Nope", email="nope@example.com", email_consent=False)
        CustomerFactory(first_name="Blank", email="", email_consent=True)
    return consented


# --- the pure rules ----------------------------------------------------------------------------


def test_placeholders_are_filled_and_unknown_ones_named():
    assert text_render("Hi {{ first_name }}, {{points}} p.", {"first_name": "Mari", "points": "1 200"}) == (
        "Hi Mari, 1 200 p."
    )
    assert placeholders_unknown("{{ first_name }} {{ name }} {{ nme }} {{ name }}") == ["name", "nme"]


def test_the_holdout_is_the_share_rounded_half_up_and_the_same_for_the_same_seed():
    assert [holdout_size(n, Decimal("10")) for n in (0, 4, 5, 15, 20)] == [0, 0, 1, 2, 2]
    ids = list(range(1, 1001))
    first = holdout_draw(ids, percent=Decimal("12.5"), seed=42)
    assert len(first) == 125 and first <= set(ids)
    assert holdout_draw(list(reversed(ids)), percent=Decimal("12.5"), seed=42) == first
    assert holdout_draw(ids, percent=Decimal("12.5"), seed=43) != first


def test_uplift_and_its_interval_equal_an_independent_computation():
    recipients = [0, 0, 12.5, 30, 0, 7.25, 0, 0, 55, 10]
    holdout = [0, 5, 0, 0, 0, 20]

    def figures(values):
        return GroupFigures(len(values), sum(values), sum(v * v for v in values))

    result = uplift(figures(recipients), figures(holdout))
    difference = statistics.mean(recipients) - statistics.mean(holdout)
    standard_error = math.sqrt(
        statistics.variance(recipients) / len(recipients) + statistics.variance(holdout) / len(holdout)
    )
    assert result.difference == pytest.approx(difference)
    assert result.low == pytest.approx(difference - 1.959963984540054 * standard_error)
    assert result.high == pytest.approx(difference + 1.959963984540054 * standard_error)
    # Bought or not (0/1): the interval of two proportions.
    bought = uplift(GroupFigures(200, 50, 50), GroupFigures(100, 15, 15))
    p1, p2 = 0.25, 0.15
    margin = 1.959963984540054 * math.sqrt(p1 * (1 - p1) * 200 / 199 / 200 + p2 * (1 - p2) * 100 / 99 / 100)
    assert (bought.difference, bought.low, bought.high) == pytest.approx((0.10, 0.10 - margin, 0.10 + margin))
    assert uplift(GroupFigures(5, 1, 1), GroupFigures(1, 0, 0)).low is None
    assert uplift(GroupFigures(5, 1, 1), GroupFigures(0, 0, 0)).difference is None


# --- bad input -----------------------------------------------------------------------------------


def test_a_campaign_with_bad_settings_names_every_problem_and_writes_nothing(alpha):
    with tenant_context(alpha.tenant):
        segment = _segment()
        bad = CampaignInput(
            name=" ",
            segment=segment,
            holdout_percent=Decimal("60"),
            offer=Campaign.Offer.MULTIPLIER,
            points_multiplier=Decimal("1"),
            texts=(TextInput("en", "", "Hi {{ frist_name }} {{ coupon_code }}"), TextInput("de", "", "")),
        )
        with pytest.raises(ValidationError) as error:
            campaign_create(data=bad, acting_user=None)
        assert error.value.message_dict == {
            "name": ["Give the campaign a name."],
            "holdout_percent": ["The hold-out group is a share from 0 to 50 per cent."],
            "points_multiplier": ["The points multiplier is a number from 1.01 to 20, e.g. 2."],
            "subject_en": ["Give the e-mail's subject in English."],
            "body_en": [
                "Unknown placeholder {{ frist_name }}, {{ coupon_code }}; the placeholders are {{ first_name }}, "
                "{{ points }}, {{ points_expiring }}, {{ expiring_on }}, {{ card_number }}."
            ],
        }
        no_default = CampaignInput(name="German only", segment=segment, texts=(HALLO,))
        with pytest.raises(ValidationError) as error:
            campaign_create(data=no_default, acting_user=None)
        assert error.value.message_dict == {
            "body_en": [
                "Write the text in English, the retailer's language: customers without a text in their own language "
                "receive it."
            ]
        }
        assert not Campaign.objects.exists() and not CampaignText.objects.exists()


# --- sending -----------------------------------------------------------------------------------


def test_messages_go_only_to_consenting_customers_outside_the_holdout_through_smtp(alpha, beta, audience, smtp_server):
    with tenant_context(beta.tenant):
        CustomerFactory(first_name="Beta", email="beta@example.com", email_consent=True)
    with tenant_context(alpha.tenant):
        campaign = _sent(_campaign(_segment()))
        assert campaign.status == "sent" and campaign.holdout_seed is not None
        rows = {row.customer_id: row for row in Recipient.objects.filter(campaign=campaign)}
        groups = [row.group for row in rows.values()]
        assert (groups.count("recipient"), groups.count("holdout"), groups.count("excluded")) == (18, 2, 2)
        assert sorted(row.reason for row in rows.values() if row.group == "excluded") == ["no_address", "no_consent"]
        held = {row.customer_id for row in rows.values() if row.group == "holdout"}
        assert held == holdout_draw([c.pk for c in audience], percent=Decimal("10"), seed=campaign.holdout_seed)
        sent_to = sorted(message["To"] for message in smtp_server.messages)
        expected = sorted(c.email for c in audience if c.pk not in held)
        assert sent_to == expected
        assert all(row.state == "sent" for row in rows.values() if row.group == "recipient")
        assert "beta@example.com" not in sent_to and "nope@example.com" not in sent_to
        anna = next(c for c in audience if c.pk not in held and c.language == "")
        (message,) = smtp_server.to(anna.email)
        assert message["Subject"] == f"Hello {anna.first_name}"
        assert message["From"] == f"{alpha.tenant.name} <no-reply@localhost>"
        body = message.get_content().replace("\r\n", "\n")
        assert body.startswith(f"Hi {anna.first_name}, you have 0 points.\n\n-- \nYou receive this e-mail because")
        link = message["List-Unsubscribe"].strip().strip("<>")
        assert link in body and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert urlparse(link).netloc == alpha.host
        german = [c for c in audience if c.language == "de" and c.pk not in held]
        for customer in german:
            (message,) = smtp_server.to(customer.email)
            assert message["Subject"] == f"Hallo {customer.first_name}"
            assert "Sie haben 0 Punkte." in message.get_content()
        kinds = list(CampaignEvent.objects.filter(campaign=campaign).values_list("kind", flat=True))
        assert kinds == ["finished", "started", "scheduled", "created"]


def test_a_job_delivered_twice_and_a_stopped_worker_never_send_a_message_twice(alpha, audience, smtp_server):
    with tenant_context(alpha.tenant):
        campaign = _campaign(_segment(), holdout_percent=Decimal("0"))
        campaign_schedule(campaign=campaign, send_at=None, acting_user=None)
        # A worker drew the audience, took two recipients into its batch, handed the first one's
        # message over and stopped before it said how it went.
        from campaigns.services import sending

        sending._start(campaign.pk)
        claimed = sending._claim(Campaign.objects.get(pk=campaign.pk), 2)
        Recipient.objects.filter(pk=claimed[0].pk).update(state="sending")
        assert [row.state for row in Recipient.objects.filter(pk__in=[r.pk for r in claimed])] == [
            "sending",
            "reserved",
        ]
        # The same job, delivered again while another holds the campaign: it stops at the lock.
        holder = threading.Event()
        release = threading.Event()

        def hold():
            with tenant_context(alpha.tenant), sending._campaign_lock(campaign.pk) as held:
                assert held
                holder.set()
                release.wait(10)
            connection.close()

        thread = threading.Thread(target=hold)
        thread.start()
        holder.wait(10)
        assert campaign_send(campaign_id=campaign.pk) == "busy"
        release.set()
        thread.join()
        assert smtp_server.messages == []
        assert campaign_send(campaign_id=campaign.pk) == "sent"
        assert campaign_send(campaign_id=campaign.pk) == "nothing"
        states = {row.customer_id: row.state for row in Recipient.objects.filter(campaign=campaign)}
        unconfirmed = {claimed[0].customer_id}
        assert {pk for pk, state in states.items() if state == "unconfirmed"} == unconfirmed
        assert states[claimed[1].customer_id] == "sent"
        received = sorted(message["To"] for message in smtp_server.messages)
        assert received == sorted(c.email for c in audience if c.pk not in unconfirmed)
        assert len(received) == len(set(received)) == 19


def test_a_refused_address_fails_alone_and_a_server_away_leaves_the_rest_waiting(alpha, smtp_server):
    with tenant_context(alpha.tenant):
        CustomerFactory(first_name="Refused", email="refused@example.com", email_consent=True)
        CustomerFactory(first_name="Fine", email="fine@example.com", email_consent=True)
        campaign = _sent(_campaign(_segment(), holdout_percent=Decimal("0")))
        states = dict(Recipient.objects.filter(campaign=campaign).values_list("address", "state"))
        assert states == {"refused@example.com": "failed", "fine@example.com": "sent"}
        assert Recipient.objects.get(campaign=campaign, state="failed").error == "The mail server refused the address."
        away = _campaign(Campaign.objects.get(pk=campaign.pk).segment, name="Away", holdout_percent=Decimal("0"))
        campaign_schedule(campaign=away, send_at=None, acting_user=None)
        with override_settings(EMAIL_PORT=1):
            assert campaign_send(campaign_id=away.pk) == "stopped"
        assert set(Recipient.objects.filter(campaign=away).values_list("state", flat=True)) == {"pending"}
        assert Campaign.objects.get(pk=away.pk).status == "sending"
        assert campaign_send(campaign_id=away.pk) == "sent"
        assert len(smtp_server.to("fine@example.com")) == 2


def test_a_customer_who_withdrew_consent_after_the_draw_receives_nothing(alpha, audience, smtp_server):
    with tenant_context(alpha.tenant):
        campaign = _campaign(_segment(), holdout_percent=Decimal("0"))
        campaign_schedule(campaign=campaign, send_at=None, acting_user=None)
        from campaigns.services import sending

        sending._start(campaign.pk)
        Customer.objects.filter(pk=audience[0].pk).update(email_consent=False)
        assert campaign_send(campaign_id=campaign.pk) == "sent"
        row = Recipient.objects.get(campaign=campaign, customer=audience[0])
        assert (row.group, row.reason, row.state) == ("excluded", "no_consent", "")
        assert smtp_server.to(audience[0].email) == [] and len(smtp_server.messages) == 19


def test_sms_go_through_the_file_backend_with_how_to_stop(alpha, tmp_path):
    path = tmp_path / "sms.jsonl"
    with (
        tenant_context(alpha.tenant),
        override_settings(SMS_BACKEND="campaigns.sms.FileSmsBackend", SMS_FILE_PATH=str(path)),
    ):
        customer = CustomerFactory(first_name="Kati", phone="+37251234567", sms_consent=True)
        CustomerFactory(first_name="Quiet", phone="+37251234568", sms_consent=False)
        campaign = _sent(
            _campaign(
                _segment(),
                channel="sms",
                holdout_percent=Decimal("0"),
                texts=(TextInput("en", "", "Hi {{ first_name }}"),),
            )
        )
        import json

        (line,) = [json.loads(text) for text in path.read_text().splitlines()]
        token = unsubscribe_token(schema=connection.schema_name, customer_id=customer.pk, channel="sms")
        assert line["to"] == "+37251234567"
        assert line["text"] == f"Hi Kati\nStop: http://{alpha.host}/u/{token}/"
        assert Recipient.objects.get(campaign=campaign, group="excluded").reason == "no_consent"


# --- the unsubscribe link ----------------------------------------------------------------------


def test_the_unsubscribe_link_withdraws_consent_without_a_login_and_only_its_own(alpha, beta, tenant_client):
    with tenant_context(alpha.tenant):
        customer = CustomerFactory(email="u@example.com", email_consent=True, sms_consent=True)
        token = unsubscribe_token(schema=connection.schema_name, customer_id=customer.pk, channel="email")
    client = tenant_client(alpha)
    page = client.get(f"/u/{token}/")
    assert page.status_code == 200 and "Receive no more marketing messages from" in page.content.decode()
    with tenant_context(alpha.tenant):
        assert Customer.objects.get(pk=customer.pk).email_consent is True
    # The same link at another retailer's address, and a forged one: refused, nothing changes.
    assert tenant_client(beta).post(f"/u/{token}/").status_code == 400
    assert client.post(f"/u/{token[:-2]}xx/").status_code == 400
    # A mail program's one-click POST.
    done = client.post(f"/u/{token}/", {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "sends you no more marketing messages by E-mail" in done.content.decode()
    with tenant_context(alpha.tenant):
        customer = Customer.objects.get(pk=customer.pk)
        assert (customer.email_consent, customer.sms_consent) == (False, True)
        event = ConsentEvent.objects.get(customer=customer)
        assert (event.channel, event.is_given, event.source, event.actor) == ("email", False, "unsubscribe link", None)
    assert client.post(f"/u/{token}/").status_code == 200
    with tenant_context(alpha.tenant):
        assert ConsentEvent.objects.filter(customer=customer).count() == 1


# --- offers ------------------------------------------------------------------------------------


def _buy(shop, customer, amount="4.00", number=""):
    return sale_register(
        store=shop.store,
        customer=customer,
        lines=[LineInput(product=shop.tea.sku, quantity=Decimal("1"), unit_price=Decimal(amount))],
        terminal=shop.terminal,
        number=number,
        extensions=[LoyaltyAtSale()],
    )


def test_recipients_earn_the_campaign_points_on_the_till_path_and_the_holdout_does_not(
    alpha, shop, loyalty_programme, audience, smtp_server
):
    with tenant_context(alpha.tenant):
        campaign = _sent(
            _campaign(_segment(), offer=Campaign.Offer.MULTIPLIER, points_multiplier=Decimal("3"), offer_days=14)
        )
        recipient = Recipient.objects.filter(campaign=campaign, group="recipient").first().customer
        held = Recipient.objects.filter(campaign=campaign, group="holdout").first().customer
        sale = _buy(shop, recipient, "10.00", number="R-1")
        entries = list(PointsEntry.objects.filter(sale=sale).order_by("pk").values_list("kind", "points", "reason"))
        assert entries == [("earn", 10, "Receipt R-1"), ("bonus", 20, "Campaign Come back: receipt R-1")]
        assert CampaignPoints.objects.get(sale=sale).points == 20
        _buy(shop, held, "10.00")
        assert list(PointsEntry.objects.filter(customer=held).values_list("kind", "points")) == [("earn", 10)]
        # A till that sends the sale again writes nothing again (the sale is kept once).
        assert PointsEntry.objects.filter(customer=recipient).count() == 2


def test_a_fixed_bonus_is_given_once_on_the_first_purchase(alpha, shop, loyalty_programme, audience, smtp_server):
    with tenant_context(alpha.tenant):
        campaign = _sent(
            _campaign(_segment(), holdout_percent=Decimal("0"), offer=Campaign.Offer.BONUS, bonus_points=150)
        )
        customer = audience[0]
        _buy(shop, customer)
        _buy(shop, customer)
        bonuses = PointsEntry.objects.filter(customer=customer, kind="bonus").values_list("points", "once_key")
        assert list(bonuses) == [(150, f"campaign:{campaign.pk}")]


def test_a_return_takes_back_the_campaign_points_in_the_share_it_takes_back_the_earned_ones(
    alpha, shop, loyalty_programme, audience, smtp_server
):
    with tenant_context(alpha.tenant):
        multiplied = _sent(
            _campaign(
                _segment(),
                holdout_percent=Decimal("0"),
                offer=Campaign.Offer.MULTIPLIER,
                points_multiplier=Decimal("2"),
            )
        )
        bonus = _sent(
            _campaign(
                _segment("Again"),
                name="Welcome back",
                holdout_percent=Decimal("0"),
                offer=Campaign.Offer.BONUS,
                bonus_points=150,
            )
        )
        customer = audience[0]
        sale = sale_register(
            store=shop.store,
            customer=customer,
            lines=[LineInput(product=shop.tea.sku, quantity=Decimal("4"), unit_price=Decimal("2.50"))],
            terminal=shop.terminal,
            number="R-7",
            extensions=[LoyaltyAtSale()],
        )
        line = sale.lines.get()
        assert PointsAccount.objects.get(pk=customer.pk).balance == 10 + 10 + 150
        return_register(sale=sale, lines=[ReturnLineInput(line.pk, Decimal("1"))], terminal=shop.terminal)
        taken = PointsEntry.objects.filter(sale=sale, kind="reverse").order_by("pk").values_list("points", "reason")
        assert list(taken) == [
            (-3, "Return on receipt R-7: earned points taken back"),
            (-3, "Return on receipt R-7: points of the campaign Come back taken back"),
            (-38, "Return on receipt R-7: points of the campaign Welcome back taken back"),
        ]
        assert [row.taken_back for row in CampaignPoints.objects.filter(sale=sale).order_by("pk")] == [3, 38]
        return_register(sale=sale, lines=[ReturnLineInput(line.pk, Decimal("3"))], terminal=shop.terminal)
        assert PointsAccount.objects.get(pk=customer.pk).balance == 0
        assert [row.taken_back for row in CampaignPoints.objects.filter(sale=sale).order_by("pk")] == [10, 150]
        assert campaign_effect(multiplied, days=30).campaign_points == 0
        assert campaign_effect(bonus, days=30).campaign_points == 0


def test_personal_coupons_are_sent_and_used_once(alpha, shop, audience, smtp_server):
    with tenant_context(alpha.tenant):
        coupon_type = CardTypeFactory(coupon=True, name="Come back coupon")
        text = TextInput("en", "A gift", "Your code: {{ coupon_code }}")
        campaign = _sent(
            _campaign(_segment(), holdout_percent=Decimal("0"), offer="coupon", coupon_type=coupon_type, texts=(text,))
        )
        rows = list(Recipient.objects.filter(campaign=campaign, group="recipient").select_related("coupon"))
        assert len(rows) == 20 and len({row.coupon.number for row in rows}) == 20
        row = rows[0]
        assert row.coupon.customer_id == row.customer_id and row.coupon.status == "active"
        (message,) = smtp_server.to(row.address)
        assert f"Your code: {row.coupon.number}" in message.get_content()
        sale_register(
            store=shop.store,
            customer=row.customer,
            lines=[LineInput(product=shop.tea.sku, quantity=Decimal("1"))],
            terminal=shop.terminal,
            extensions=[LoyaltyAtSale(card_number=row.coupon.number, earns=False)],
        )
        assert Card.objects.get(pk=row.coupon.pk).status == "used"
        with pytest.raises(ValidationError) as error:
            sale_register(
                store=shop.store,
                customer=row.customer,
                lines=[LineInput(product=shop.tea.sku, quantity=Decimal("1"))],
                terminal=shop.terminal,
                extensions=[LoyaltyAtSale(card_number=row.coupon.number, earns=False)],
            )
        assert error.value.messages == [f"Coupon {row.coupon.number} was used already."]


# --- the effect report -------------------------------------------------------------------------


def test_the_effect_report_compares_recipients_with_the_holdout_as_an_independent_computation(
    alpha, shop, loyalty_programme, audience, smtp_server
):
    from reports.registry import report_get

    with tenant_context(alpha.tenant):
        campaign = _sent(
            _campaign(
                _segment(),
                holdout_percent=Decimal("25"),
                offer=Campaign.Offer.MULTIPLIER,
                points_multiplier=Decimal("2"),
            )
        )
        recipients = list(Recipient.objects.filter(campaign=campaign, group="recipient").order_by("pk"))
        held = list(Recipient.objects.filter(campaign=campaign, group="holdout").order_by("pk"))
        assert (len(recipients), len(held)) == (15, 5)
        revenue_r = [0.0] * 15
        revenue_h = [0.0] * 5
        receipts_r = [0] * 15
        for index, amount in ((0, "10.00"), (0, "5.00"), (3, "20.00"), (7, "7.50")):
            _buy(shop, recipients[index].customer, amount)
            revenue_r[index] += float(amount)
            receipts_r[index] += 1
        _buy(shop, held[1].customer, "8.00")
        revenue_h[1] = 8.0
        # Beta's purchases and the customers outside the campaign do not count.
        _buy(shop, CustomerFactory(first_name="Outside"), "99.00")
        report = report_get("campaign-effect")
        rows = {row["measure"]: row for row in report.rows({"campaign": campaign.pk, "days": 30})}

    def interval(a, b):
        difference = statistics.mean(a) - statistics.mean(b)
        margin = 1.959963984540054 * math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
        return difference, difference - margin, difference + margin

    assert (rows["Customers"]["recipients"], rows["Customers"]["holdout"]) == (15, 5)
    revenue = rows["Revenue per customer"]
    difference, low, high = interval(revenue_r, revenue_h)
    assert (revenue["recipients"], revenue["holdout"]) == (round(42.5 / 15, 2), 1.6)
    assert (revenue["difference"], revenue["low"], revenue["high"]) == tuple(
        round(v, 2) for v in (difference, low, high)
    )
    bought = rows["Share who bought (%)"]
    difference, low, high = interval([1.0 if r else 0.0 for r in receipts_r], [0, 1, 0, 0, 0])
    assert (bought["recipients"], bought["holdout"]) == (20.0, 20.0)
    assert (bought["difference"], bought["low"], bought["high"]) == tuple(
        round(v * 100, 2) for v in (difference, low, high)
    )
    assert rows["Receipts per customer"]["recipients"] == round(4 / 15, 4)
    # Points: each recipient's purchase earned its points twice (10+5+20+7 = 42, doubled: 84).
    assert rows["Points earned per customer"]["recipients"] == round(84 / 15, 4)
    assert rows["Points earned per customer"]["holdout"] == round(8 / 5, 4)
    assert rows["Extra points given"]["recipients"] == 42
    assert rows["Revenue brought by the campaign"]["recipients"] == round((42.5 / 15 - 1.6) * 15, 2)
    with tenant_context(alpha.tenant):
        chart = report.chart({"campaign": campaign.pk, "days": 30}).result()
    assert [series["name"] for series in chart["series"]] == ["Recipients", "Hold-out group"]
    assert chart["series"][0]["values"][0] == pytest.approx(42.5 / 15)
    assert chart["series"][1]["values"][-1] == pytest.approx(1.6)
    assert len(chart["labels"]) == 30


def test_campaigns_by_value_compare_each_rfm_segment_as_drawn(
    alpha, beta, shop, loyalty_programme, audience, smtp_server
):
    from customers.selectors.rfm import rfm_scores_sql
    from reports.registry import report_get

    with tenant_context(beta.tenant):
        CustomerFactory(first_name="Beta", email="beta@example.com", email_consent=True)
    with tenant_context(alpha.tenant):
        # Before the campaign: six of the audience bought, two of them twice and for more.
        for index, amounts in enumerate(
            (["30.00", "40.00"], ["30.00", "40.00"], ["5.00"], ["5.00"], ["6.00"], ["7.00"])
        ):
            for amount in amounts:
                _buy(shop, audience[index], amount)
        sql, params = rfm_scores_sql()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT customer_id, segment FROM ({sql}) AS rfm", params)
            scored = dict(cursor.fetchall())
        assert len(scored) == 6
        campaign = _sent(_campaign(_segment(), holdout_percent=Decimal("25")))
        drawn = {row.customer_id: row for row in Recipient.objects.filter(campaign=campaign)}
        assert {pk: row.rfm_segment for pk, row in drawn.items() if row.rfm_segment} == scored
        assert drawn[audience[0].pk].last_purchase_at is not None
        assert drawn[audience[10].pk].last_purchase_at is None
        # After it: up to two recipients of the scored segment with the most recipients (six were
        # scored, five held out: one has some) and one who had not bought.
        segment = max(
            set(scored.values()),
            key=lambda code: sum(1 for row in drawn.values() if row.rfm_segment == code and row.group == "recipient"),
        )
        in_segment = [row for row in drawn.values() if row.rfm_segment == segment and row.group != "excluded"]
        buyers = [row for row in in_segment if row.group == "recipient"][:2]
        newcomer = next(row for row in drawn.values() if row.group == "recipient" and not row.rfm_segment)
        for row in (*buyers, newcomer):
            _buy(shop, row.customer, "12.00")
        report = report_get("campaigns-by-value")
        today = timezone.localdate().isoformat()
        parameters = {"date_from": today, "date_to": today, "days": 30}
        rows = {row["segment_code"]: row for row in report.rows(parameters)}

    expected_segments = {row.rfm_segment for row in drawn.values() if row.group != "excluded"}
    assert set(rows) == expected_segments
    row = rows[segment]
    recipients = sum(1 for r in in_segment if r.group == "recipient")
    held = sum(1 for r in in_segment if r.group == "holdout")
    assert (row["campaign"], row["recipients"], row["holdout"]) == ("Come back", recipients, held)
    assert row["bought_recipients"] == round(len(buyers) / recipients, 4)
    assert row["bought_holdout"] == (0.0 if held else None)
    assert row["revenue_recipients"] == round(12 * len(buyers) / recipients, 2)
    none = rows[""]
    assert none["segment"] == "Had not bought"
    assert none["bought_recipients"] == round(1 / none["recipients"], 4)
    assert sum(r["recipients"] for r in rows.values()) == 15 and sum(r["holdout"] for r in rows.values()) == 5
    with tenant_context(alpha.tenant):
        # A period without campaigns: no rows.
        assert list(report.rows({"date_from": "2020-01-01", "date_to": "2020-01-31", "days": 30})) == []
