"""The parameter forms' defaults."""

import datetime
import zoneinfo

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from reports.models import ReportRun
from reports.registry import report_get
from sales.models import SalesDocument
from tenants.models import Tenant
from tests.factories import SaleFactory


@pytest.mark.django_db
def test_the_default_period_ends_on_the_retailers_own_day(alpha, tenant_client):
    """Whatever the hour, one of these two zones is on another day than the server's clock (UTC):
    the form's default period ends today where the retailer is."""
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        connection.set_schema_to_public()
        Tenant.objects.filter(pk=alpha.tenant.pk).update(time_zone=zone)
        response = tenant_client(alpha, alpha.admin).get("/reports/loyalty-points/")
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(zone))
        form = response.context["form"]
        assert form["date_to"].value() == today, zone
        assert form["date_from"].value() == today - relativedelta(months=12) + datetime.timedelta(days=1), zone


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _last_12_months(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - relativedelta(months=12) + datetime.timedelta(days=1), today


def _proposed_period(alpha, tenant_client) -> tuple[datetime.date, datetime.date]:
    form = tenant_client(alpha, alpha.admin).get("/reports/loyalty-points/").context["form"]
    return form["date_from"].value(), form["date_to"].value()


@pytest.mark.django_db
def test_an_old_history_only_proposes_the_last_12_months_of_the_data(alpha, tenant_client):
    """An imported history that ended more than a year ago: the period ends on its last
    document's day and covers 12 months of it, not the empty last 12 months."""
    today = timezone.localdate()
    last = today - datetime.timedelta(days=800)
    with tenant_context(alpha.tenant):
        SaleFactory(occurred_at=_noon(today - datetime.timedelta(days=1500)))
        SaleFactory(occurred_at=_noon(last - datetime.timedelta(days=40)))
        SaleFactory(occurred_at=_noon(last))
    assert _proposed_period(alpha, tenant_client) == _last_12_months(last)


@pytest.mark.django_db
def test_a_short_old_history_proposes_its_own_range(alpha, tenant_client):
    today = timezone.localdate()
    first, last = today - datetime.timedelta(days=500), today - datetime.timedelta(days=450)
    with tenant_context(alpha.tenant):
        SaleFactory(occurred_at=_noon(first))
        SaleFactory(occurred_at=_noon(last))
    assert _proposed_period(alpha, tenant_client) == (first, last)


@pytest.mark.django_db
def test_a_recent_sale_keeps_the_last_12_months_up_to_today(alpha, tenant_client):
    today = timezone.localdate()
    with tenant_context(alpha.tenant):
        SaleFactory(occurred_at=_noon(today - datetime.timedelta(days=900)))
        SaleFactory(occurred_at=_noon(today - datetime.timedelta(days=30)))
    assert _proposed_period(alpha, tenant_client) == _last_12_months(today)


@pytest.mark.django_db
def test_no_sales_at_all_keep_the_last_12_months_up_to_today(alpha, tenant_client):
    today = timezone.localdate()
    with tenant_context(alpha.tenant):
        assert not SalesDocument.objects.exists()
    assert _proposed_period(alpha, tenant_client) == _last_12_months(today)


@pytest.mark.django_db
def test_a_period_given_wins_over_the_proposed_one(alpha, tenant_client, django_assert_num_queries):
    today = timezone.localdate()
    with tenant_context(alpha.tenant):
        SaleFactory(occurred_at=_noon(today - datetime.timedelta(days=800)))
        form_class = report_get("loyalty-points").form_class
        given = {"date_from": datetime.date(2020, 1, 1), "date_to": datetime.date(2020, 6, 30)}
        with django_assert_num_queries(0):
            form = form_class(tenant=alpha.tenant, initial=dict(given))
        assert (form["date_from"].value(), form["date_to"].value()) == (given["date_from"], given["date_to"])
    # A person's input (the form sent) wins too.
    response = tenant_client(alpha, alpha.admin).post(
        "/reports/loyalty-points/", {"date_from": "2021-03-01", "date_to": "2021-03-31"}
    )
    assert response.status_code == 302
    with tenant_context(alpha.tenant):
        run = ReportRun.objects.filter(code="loyalty-points").latest("pk")
    assert (run.parameters["date_from"], run.parameters["date_to"]) == ("2021-03-01", "2021-03-31")


@pytest.mark.django_db
def test_the_documents_time_has_an_index_for_the_proposed_period(alpha):
    """The first and last document are read from the two ends of this index."""
    with tenant_context(alpha.tenant), connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, SalesDocument._meta.db_table)
    assert any(info["index"] and info["columns"] == ["occurred_at"] for info in constraints.values())
