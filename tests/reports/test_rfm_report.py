"""Report 3: customer value (RFM), read back from the workbook, with two retailers present."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.services import group_create
from staff.models import User

# name: days since the last purchase, purchases, amount; the scores those give among the nine.
FIGURES = {
    "Anna": (1, 10, "100.00"),
    "Berit": (2, 2, "20.00"),
    "Carl": (10, 8, "80.00"),
    "Dora": (11, 4, "40.00"),
    "Eero": (30, 9, "70.00"),
    "Frida": (31, 6, "60.00"),
    "Gert": (100, 7, "90.00"),
    "Helga": (101, 1, "30.00"),
    "Ivo": (300, 5, "50.00"),
    "Juta": (301, 3, "10.00"),
}
SEGMENTS = ["Champions", "Loyal", "Promising", "Need attention", "At risk", "Lapsed", "Lost"]


def _day(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def _customer(first_name: str, days: int | None, purchases: int, amount: str, **fields) -> Customer:
    last = None
    if days is not None:
        last = datetime.datetime.combine(_day(days), datetime.time(12), tzinfo=timezone.get_current_timezone())
    return Customer.objects.create(
        first_name=first_name,
        last_name="Test",
        status=fields.pop("status", "introduced"),
        purchase_count=purchases,
        purchase_total=Decimal(amount),
        first_purchase_at=last,
        last_purchase_at=last,
        **fields,
    )


@pytest.fixture
def customers(alpha, beta):
    with tenant_context(beta.tenant):
        # Beta's customers outspend everyone in alpha: together they would push alpha's down.
        for number in range(10):
            _customer(f"Beta{number}", 0, 100 + number, "9999.00")
    with tenant_context(alpha.tenant):
        regulars = group_create(name="Regulars")
        weekly = group_create(name="Weekly", parent=regulars)
        groups = {"Anna": regulars, "Gert": weekly, "Juta": weekly}
        made = {name: _customer(name, *figures, group=groups.get(name)) for name, figures in FIGURES.items()}
        made["Kaur"] = _customer("Kaur", None, 0, "0.00", group=regulars)
        made["Archie"] = _customer("Archie", 400, 1, "5.00", status="archived")
    return made


def _row(customer: Customer, group: str | None, scores: tuple[int, int, int], segment: str) -> list:
    days = (timezone.localdate() - timezone.localtime(customer.last_purchase_at).date()).days
    return [
        customer.pk,
        str(customer),
        group,
        datetime.datetime.combine(timezone.localtime(customer.last_purchase_at).date(), datetime.time.min),
        days,
        customer.purchase_count,
        float(customer.purchase_total),
        *scores,
        segment,
    ]


def _build(build_report, alpha, data):
    with tenant_context(alpha.tenant):
        admin = User.objects.get(username="admin")
        return build_report(code="rfm", data=data, tenant=alpha.tenant, user=admin)


@pytest.mark.django_db
def test_every_scored_customer_with_scores_and_segment_best_first(alpha, customers, build_report):
    built = _build(build_report, alpha, {})
    assert built.values[0][0] == "Customer value (RFM)"
    assert built.header == [
        "Customer code",
        "Name",
        "Group",
        "Last purchase",
        "Days since the last purchase",
        "Purchases",
        "Amount",
        "Recency (R)",
        "Frequency (F)",
        "Monetary (M)",
        "Segment",
    ]
    c = customers
    # Kaur never bought and is not scored. Archie (archived) is scored with the rest: eleven
    # customers, NTILE(5) makes tiles of 3, 2, 2, 2, 2.
    assert built.rows == [
        _row(c["Anna"], "Regulars", (5, 5, 5), "Champions"),
        _row(c["Carl"], None, (4, 4, 4), "Champions"),
        _row(c["Eero"], None, (3, 5, 4), "Loyal"),
        _row(c["Dora"], None, (4, 2, 2), "Promising"),
        _row(c["Berit"], None, (5, 1, 1), "Promising"),
        _row(c["Frida"], None, (3, 3, 3), "Need attention"),
        _row(c["Gert"], "Weekly", (2, 4, 5), "At risk"),
        _row(c["Ivo"], None, (1, 3, 3), "At risk"),
        _row(c["Helga"], None, (2, 1, 2), "Lapsed"),
        _row(c["Juta"], "Weekly", (1, 2, 1), "Lost"),
        _row(c["Archie"], None, (1, 1, 1), "Lost"),
    ]
    assert built.run.chart == {
        "kind": "bar",
        "labels": SEGMENTS,
        "series": [{"name": "Customers", "values": [2, 1, 2, 1, 2, 1, 2]}],
        "value_format": "integer",
    }


@pytest.mark.django_db
def test_groups_and_a_segment_narrow_the_list_not_the_scores(alpha, customers, build_report):
    with tenant_context(alpha.tenant):
        regulars = customers["Anna"].group
    built = _build(build_report, alpha, {"customer_groups": [regulars.pk], "segment": "at_risk"})
    assert built.run.parameters_text == [["Customer groups", "Regulars"], ["Segment", "At risk"]]
    # The group includes its sub-group Weekly; of those, Gert alone is at risk.
    assert built.rows == [_row(customers["Gert"], "Weekly", (2, 4, 5), "At risk")]
    # The chart counts the chosen groups' customers in every segment, whatever segment is chosen.
    assert built.run.chart["series"][0]["values"] == [1, 0, 0, 0, 1, 0, 1]


@pytest.mark.django_db
def test_an_unknown_segment_is_refused(alpha, customers):
    from reports.registry import report_get

    with tenant_context(alpha.tenant):
        form = report_get("rfm").form_class({"segment": "sleepers"}, tenant=alpha.tenant)
        assert not form.is_valid()
        assert form.errors["segment"] == ["Select a valid choice. sleepers is not one of the available choices."]
