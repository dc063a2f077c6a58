"""The customer card's Points tab: balance, points expiring, the ledger with filters and pages in
a fixed number of queries, and adjustments only for users with the right."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import tenant_context

from loyalty.models import PointsAccount, PointsEntry, Programme
from loyalty.services.ledger import account_lock, entry_write, points_adjust
from loyalty.views.points import points_tab_context
from sales.models import Terminal
from sales.services.sales import LineInput, sale_register

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "tab-content"}


def _adjustments(alpha, customer, count: int, *, start: int = 0) -> None:
    with tenant_context(alpha.tenant):
        for number in range(start, start + count):
            points_adjust(customer=customer, points=10, reason=f"Gift {number:02}", acting_user=None)


def _entries(alpha, customer) -> list:
    with tenant_context(alpha.tenant):
        return list(PointsEntry.objects.filter(customer=customer).order_by("pk").values_list("kind", "points"))


def test_the_tab_shows_the_balance_what_expires_and_the_ledger(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    customer, store = shop_customer, shop.store
    today = timezone.localdate()
    with tenant_context(alpha.tenant):
        terminal = Terminal.objects.create(store=store, name="Till 7", token_hash="x" * 64, token_prefix="x")
        sale = sale_register(
            store=store, terminal=terminal, customer=customer, number="R-7", lines=[LineInput("CUP-1", Decimal("3"))]
        )
        account = account_lock(customer.pk)
        entry_write(
            account=account,
            kind=PointsEntry.Kind.BONUS,
            points=40,
            source=PointsEntry.Source.SCHEDULED,
            reason="Birthday bonus",
            expires_on=today + datetime.timedelta(days=10),
        )
    admin = tenant_client(alpha, alpha.admin)
    response = admin.get(f"/customers/{customer.pk}/points/")
    assert response.status_code == 200
    assert (response.context["points_balance"], response.context["points_expiring"]) == (70, 40)
    page = response.content.decode()
    assert 'data-testid="points-balance">70<' in page
    assert "40 points expire by" in page
    assert [entry.kind for entry in response.context["points_page"].object_list] == ["bonus", "earn"]
    earn = response.context["points_page"].object_list[1]
    assert (earn.points, earn.balance_after, earn.terminal.name, earn.store.name, earn.sale_id) == (
        30,
        30,
        "Till 7",
        "Tallinn",
        sale.pk,
    )
    assert "Receipt R-7" in page and ">R-7</a>" in page and f"/customers/{customer.pk}/sales/" in page
    assert 'data-testid="points-adjust-form"' in page


def test_an_empty_ledger_says_what_will_appear(alpha, shop, shop_customer, loyalty_programme, tenant_client):
    page = tenant_client(alpha, alpha.cashier).get(f"/customers/{shop_customer.pk}/points/")
    assert "No loyalty points." in page.content.decode()
    assert page.context["points_balance"] == 0


@pytest.mark.parametrize("user", ["admin", "marketer"])
def test_the_tab_costs_the_same_queries_however_many_entries(
    alpha, shop, shop_customer, loyalty_programme, user, django_assert_max_num_queries, tenant_client
):
    customer = shop_customer
    client = tenant_client(alpha, getattr(alpha, user))
    counts = []
    for added, shown in ((2, 2), (30, 20)):
        _adjustments(alpha, customer, added, start=len(counts) * 100)
        connection.set_schema_to_public()
        # The card's own ten (host, session, user, rights, customer, properties, role) and the
        # tab's five.
        with django_assert_max_num_queries(15) as captured:
            response = client.get(f"/customers/{customer.pk}/points/")
        assert response.status_code == 200
        counts.append(len(captured))
        assert response.content.decode().count('data-testid="points-entry"') == shown
        context = {key: response.context[key] for key in ("customer", "points_page", "points_filtered", "request")}
        # Rendering the rows (author, terminal, store, sale, return) asks the database nothing.
        with django_assert_max_num_queries(0):
            render_to_string("loyalty/points/_ledger.html", context)
        with tenant_context(alpha.tenant):
            # Choosing the schema, the balance, the two sums of what expires, the count and the page.
            with django_assert_max_num_queries(6):
                points_tab_context(customer)
    assert counts[0] == counts[1]
    ledger_counts = []
    for page in ("1", "2"):
        connection.set_schema_to_public()
        with django_assert_max_num_queries(10) as captured:
            response = client.get(f"/customers/{customer.pk}/points/ledger/", {"page": page, "kind": "adjust"}, **HTMX)
        ledger_counts.append(len(captured))
    assert ledger_counts[0] == ledger_counts[1]


def test_the_ledger_filters_by_kind_source_and_period_and_pages_keep_the_filters(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    customer = shop_customer
    _adjustments(alpha, customer, 23)
    with tenant_context(alpha.tenant):
        sale_register(store=shop.store, customer=customer, lines=[LineInput("TEA-1", Decimal("1"))])
        account = account_lock(customer.pk)
        entry_write(account=account, kind="bonus", points=5, source="scheduled", reason="Birthday")
    client = tenant_client(alpha, alpha.marketer)
    url = f"/customers/{customer.pk}/points/ledger/"

    earned = client.get(url, {"kind": "earn"}, **HTMX)
    assert "<html" not in earned.content.decode()
    assert [entry.kind for entry in earned.context["points_page"].object_list] == ["earn"]
    scheduled = client.get(url, {"source": "scheduled"}, **HTMX).context["points_page"].object_list
    assert [(entry.kind, entry.points) for entry in scheduled] == [("bonus", 5)]
    today = timezone.localdate()
    in_period = client.get(url, {"period_from": today.isoformat(), "period_until": today.isoformat()}, **HTMX)
    assert in_period.context["points_page"].paginator.count == 25
    before = client.get(url, {"period_until": (today - datetime.timedelta(days=1)).isoformat()}, **HTMX)
    assert before.context["points_page"].paginator.count == 0
    assert "No entries match these filters." in before.content.decode()

    adjust_first = client.get(url, {"kind": "adjust"}, **HTMX)
    page = adjust_first.content.decode()
    assert "Page 1 of 2" in page
    assert f'href="{url}?kind=adjust&amp;page=2"' in page
    second = client.get(url, {"kind": "adjust", "page": "2"}, **HTMX)
    assert [entry.reason for entry in second.context["points_page"].object_list] == ["Gift 02", "Gift 01", "Gift 00"]

    # Without JavaScript the filters' form answers with a page of its own.
    full = client.get(url, {"kind": "earn"})
    assert full.status_code == 200
    assert "<html" in full.content.decode() and "Points of Mari Tamm" in full.content.decode()


def test_an_admin_adjusts_with_a_reason_and_refusals_show_beside_the_fields(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    customer = shop_customer
    admin = tenant_client(alpha, alpha.admin)
    url = f"/customers/{customer.pk}/points/adjust/"

    added = admin.post(url, {"kind": "adjust", "points": "120", "reason": "Compensation for a late order"}, **HTMX)
    assert added.status_code == 200
    page = added.content.decode()
    assert "<html" not in page
    assert "+120 points recorded for Mari Tamm; the balance is 120." in page
    assert 'data-testid="points-balance">120<' in page
    bonus = admin.post(url, {"kind": "bonus", "points": "30", "reason": "Store opening"}, **HTMX)
    assert bonus.context["points_balance"] == 150

    for data, field, message in (
        (
            {"kind": "adjust", "points": "10", "reason": "  "},
            "reason",
            "Give a reason: the ledger shows it beside the adjustment.",
        ),
        (
            {"kind": "adjust", "points": "-151", "reason": "Mistake"},
            "points",
            "The customer has 150 points; 151 cannot be taken.",
        ),
        ({"kind": "adjust", "points": "0", "reason": "Mistake"}, "points", "Give a number of points other than zero."),
        ({"kind": "adjust", "points": "ten", "reason": "Mistake"}, "points", "Points are a whole number."),
        (
            {"kind": "bonus", "points": "-1", "reason": "Mistake"},
            "points",
            "A bonus gives points; to take points, make an adjustment.",
        ),
    ):
        refused = admin.post(url, data, **HTMX)
        assert refused.status_code == 200
        form = refused.context["points_adjust_form"]
        assert form.errors == {field: [message]}
        assert f'id="id_{field}_errors"' in refused.content.decode()
        assert refused.context["points_balance"] == 150

    with tenant_context(alpha.tenant):
        Programme.objects.filter(pk=1).update(adjustment_cap=100)
    capped = admin.post(url, {"kind": "adjust", "points": "101", "reason": "Big"}, **HTMX)
    assert capped.context["points_adjust_form"].errors == {
        "points": ["At most 100 points can be adjusted at a time; 101 were asked."]
    }

    # Without JavaScript: back to the tab with a message.
    plain = admin.post(url, {"kind": "adjust", "points": "-50", "reason": "Returned gift"})
    assert (plain.status_code, plain["Location"]) == (302, f"/customers/{customer.pk}/points/")
    assert "-50 points recorded for Mari Tamm; the balance is 100." in admin.get(plain["Location"]).content.decode()
    plain_refused = admin.post(url, {"kind": "adjust", "points": "5", "reason": ""}, follow=True)
    assert "Give a reason: the ledger shows it beside the adjustment." in plain_refused.content.decode()

    assert _entries(alpha, customer) == [("adjust", 120), ("bonus", 30), ("adjust", -50)]
    with tenant_context(alpha.tenant):
        entry = PointsEntry.objects.filter(customer=customer).order_by("pk").first()
        assert (entry.reason, entry.author.username, entry.source) == (
            "Compensation for a late order",
            "admin",
            "back_office",
        )


@pytest.mark.parametrize("user", ["marketer", "cashier"])
def test_without_the_right_there_is_no_form_and_a_forged_post_is_refused(
    alpha, shop, shop_customer, loyalty_programme, user, tenant_client
):
    customer = shop_customer
    client = tenant_client(alpha, getattr(alpha, user))
    page = client.get(f"/customers/{customer.pk}/points/").content.decode()
    assert 'data-testid="points-adjust-form"' not in page
    assert "You may not adjust points." in page
    for headers in ({}, HTMX):
        forged = client.post(
            f"/customers/{customer.pk}/points/adjust/", {"kind": "adjust", "points": "500", "reason": "Me"}, **headers
        )
        assert forged.status_code == 403
        assert (
            "You may not adjust loyalty points: ask an admin for the right “May adjust loyalty points”."
            in forged.content.decode()
        )
    assert _entries(alpha, customer) == []
    with tenant_context(alpha.tenant):
        assert not PointsAccount.objects.filter(pk=customer.pk).exists()


def test_the_adjustment_url_takes_only_posts_and_a_known_customer(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    admin = tenant_client(alpha, alpha.admin)
    assert admin.get(f"/customers/{shop_customer.pk}/points/adjust/").status_code == 405
    assert admin.post("/customers/999999/points/adjust/", {"points": "1", "reason": "x"}).status_code == 404
    assert admin.get("/customers/999999/points/ledger/").status_code == 404


def test_the_ledger_is_in_date_order_whatever_order_the_entries_were_written(
    alpha, shop, shop_customer, loyalty_programme, tenant_client
):
    customer = shop_customer
    now = timezone.now()
    with tenant_context(alpha.tenant):
        account = account_lock(customer.pk)
        entry_write(
            account=account, kind="bonus", points=50, source="back_office", reason="Bonus today", occurred_at=now
        )
        # Written afterwards, dated in February (a past receipt brought in later).
        entry_write(
            account=account,
            kind="earn",
            points=7,
            source="import",
            reason="February receipt",
            occurred_at=now - datetime.timedelta(days=300),
        )
        entry_write(
            account=account, kind="adjust", points=-5, source="back_office", reason="Same moment", occurred_at=now
        )
    client = tenant_client(alpha, alpha.admin)
    for url in (f"/customers/{customer.pk}/points/", f"/customers/{customer.pk}/points/ledger/"):
        rows = client.get(url).context["points_page"].object_list
        # Newest first by date; two of one moment in the order they were written, the later first.
        assert [entry.reason for entry in rows] == ["Same moment", "Bonus today", "February receipt"]
