"""A finished run of a report whose rows are customers (buyers of a product, RFM, regulars and
lapsed) opens as the customer list and is saved as a segment: the same customers as its rows,
read on today's data; other reports offer neither; another retailer's list knows no such run."""

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from campaigns.rules import Condition, ConditionGroup, Definition
from campaigns.selectors.segments import segment_customers
from reports.registry import report_get
from sales.services.sales import LineInput
from staff.models import User
from tests.factories import CustomerFactory, ProductFactory, SaleFactory

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def shoppers(alpha, beta):
    """Alpha: three bought tea (one of them five times long ago), one bought only a cup, one never
    bought. Beta: a tea buyer of its own."""
    with tenant_context(beta.tenant):
        SaleFactory(customer=CustomerFactory(first_name="Beta"), occurred_at=_days_ago(3))
    with tenant_context(alpha.tenant):
        tea, cup = ProductFactory(sku="TEA-1"), ProductFactory(sku="CUP-1")
        names = {}
        for name, product, days in (("Mari", tea, 10), ("Jaan", tea, 20), ("Cupper", cup, 15)):
            names[name] = CustomerFactory(first_name=name)
            SaleFactory(customer=names[name], occurred_at=_days_ago(days), lines=[LineInput(product.sku, Decimal(1))])
        names["Lapsed"] = CustomerFactory(first_name="Lapsed")
        for days in (300, 310, 320, 330, 340):
            SaleFactory(customer=names["Lapsed"], occurred_at=_days_ago(days), lines=[LineInput(tea.sku, Decimal(1))])
        names["Never"] = CustomerFactory(first_name="Never")
    return names


def _built(build_report, alpha, code, data):
    with tenant_context(alpha.tenant):
        user = User.objects.get(username=alpha.marketer.username)
        return build_report(code=code, data=data, tenant=alpha.tenant, user=user).run


def _listed(client, query) -> set[str]:
    response = client.get("/customers/", query)
    assert response.status_code == 200
    return {row.customer.first_name for row in response.context["rows"]}


def test_a_buyers_run_opens_as_the_customer_list_and_saves_as_a_segment_of_its_rows(
    alpha, beta, shoppers, build_report, tenant_client
):
    today = timezone.localdate()
    data = {"date_from": (today - datetime.timedelta(days=60)).isoformat(), "date_to": today.isoformat()}
    run = _built(build_report, alpha, "buyers", {**data, "products": "TEA-1"})
    client = tenant_client(alpha, alpha.marketer)
    page = client.get(f"/reports/runs/{run.pk}/")
    links = dict((test_id, url) for _label, url, test_id in page.context["customer_links"])
    assert set(links) == {"open-customer-list", "save-segment_id"}
    assert "Open as customer list" in page.content.decode()
    assert _listed(client, parse_qs(urlparse(links["open-customer-list"]).query)) == {"Mari", "Jaan"}
    # The builder starts from the run; the segment it saves holds the same customers.
    builder = client.get(links["save-segment_id"])
    assert builder.status_code == 200
    (conditions,) = builder.context["groups"]
    assert [(row.condition.field, row.condition.value) for row in conditions] == [("report_run", str(run.pk))]
    assert builder.context["count"] == 2
    definition = Definition((ConditionGroup((Condition("report_run", "is", str(run.pk)),)),))
    with tenant_context(alpha.tenant):
        assert {c.first_name for c in segment_customers(definition)} == {"Mari", "Jaan"}
    # Beta knows no such run: its list says so and shows its own customers only.
    beta_client = tenant_client(beta, beta.marketer)
    response = beta_client.get("/customers/", {"report_run": run.pk})
    assert "Some filters were not applied:" in response.content.decode()
    assert {row.customer.first_name for row in response.context["rows"]} == {"Beta"}


@pytest.mark.parametrize(
    ("code", "data", "expected"),
    [
        ("rfm", {}, {"Mari", "Jaan", "Cupper", "Lapsed"}),
        ("regulars-lapsed", {"list": "win-back", "lapsed_days": "90", "min_purchases": "3"}, {"Lapsed"}),
        ("regulars-lapsed", {"list": "top", "top_count": "2", "period": "x"}, {"Lapsed", "Mari"}),
    ],
    ids=["rfm", "win-back", "top"],
)
def test_each_customer_reports_customers_are_the_customers_of_its_rows(
    alpha, shoppers, build_report, code, data, expected
):
    today = timezone.localdate()
    if data.pop("period", None):
        data = {**data, "date_from": (today - datetime.timedelta(days=365)).isoformat(), "date_to": today.isoformat()}
    run = _built(build_report, alpha, code, data)
    report = report_get(code)
    with tenant_context(alpha.tenant):
        rows = {row["customer"] for row in report.rows(run.parameters)}
        selected = set(segment_customers(Definition((ConditionGroup((Condition("report_run", "is", str(run.pk)),)),))))
    assert {c.first_name for c in selected} == expected
    assert {c.pk for c in selected} == rows


def test_a_report_whose_rows_are_not_customers_offers_neither(alpha, shoppers, build_report, tenant_client):
    today = timezone.localdate()
    run = _built(
        build_report,
        alpha,
        "purchase-trends",
        {
            "date_from": (today - datetime.timedelta(days=60)).isoformat(),
            "date_to": today.isoformat(),
            "split": "group",
        },
    )
    page = tenant_client(alpha, alpha.marketer).get(f"/reports/runs/{run.pk}/")
    assert page.context["customer_links"] == []
    assert "Open as customer list" not in page.content.decode()
