"""Segments: every kind of condition against known customers (a second retailer present), AND
inside a group and OR between groups, every unreadable condition refused with its message and
nothing written, the events and the daily sizes, the customer list narrowed to a segment."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from campaigns.models import Segment, SegmentCount, SegmentEvent
from campaigns.rules import Condition, ConditionGroup, Definition
from campaigns.selectors.campaigns import placeholder_values
from campaigns.selectors.segments import segment_count, segment_customers
from campaigns.services.segments import segment_archive, segment_create, segment_sizes_record, segment_update
from customers.models import CustomerStatus, CustomProperty
from loyalty.models import PointsEntry
from loyalty.services.ledger import points_adjust
from sales.services.sales import LineInput
from staff.models import User
from tests.factories import (
    CardFactory,
    CardTypeFactory,
    CustomerFactory,
    CustomerGroupFactory,
    CustomPropertyFactory,
    ProductFactory,
    ProductGroupFactory,
    ReturnFactory,
    SaleFactory,
    StoreFactory,
)

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def people(alpha, beta):
    """Alpha's customers (by first name) and the ids the conditions name. Beta has a customer
    who would match nearly everything: it must never appear."""
    with tenant_context(beta.tenant):
        beta_shopper = CustomerFactory(first_name="Beta", email_consent=True)
        SaleFactory(customer=beta_shopper, occurred_at=_days_ago(3))
    with tenant_context(alpha.tenant):
        vip = CustomerGroupFactory(name="VIP")
        gold_vip = CustomerGroupFactory(name="Gold VIP", parent=vip)
        channel = CustomPropertyFactory(code="channel", type=CustomProperty.Type.CHOICE, choices=["store", "web"])
        size = CustomPropertyFactory(code="shoe_size", type=CustomProperty.Type.NUMBER)
        member = CustomPropertyFactory(code="member_since", type=CustomProperty.Type.DATE)
        club = CustomPropertyFactory(code="club", type=CustomProperty.Type.BOOLEAN)
        note = CustomPropertyFactory(code="note", type=CustomProperty.Type.TEXT)
        drinks = ProductGroupFactory(name="Drinks")
        tea_group = ProductGroupFactory(name="Tea", parent=drinks)
        tea = ProductFactory(group=tea_group)
        cup = ProductFactory()
        gold = CardTypeFactory(name="Gold")
        today = timezone.localdate()

        lapsed = CustomerFactory(
            first_name="Lapsed",
            group=gold_vip,
            email_consent=True,
            gender="female",
            language="de",
            birth_date=today.replace(year=today.year - 40, month=3, day=10),
            properties={"channel": "store", "shoe_size": 38, "member_since": "2019-05-01", "club": True},
        )
        SaleFactory(
            customer=lapsed, occurred_at=_days_ago(400), lines=[LineInput(product=tea.sku, quantity=Decimal("3"))]
        )
        SaleFactory(
            customer=lapsed, occurred_at=_days_ago(120), lines=[LineInput(product=cup.sku, quantity=Decimal("1"))]
        )
        CardFactory(customer=lapsed, card_type=gold)

        regular = CustomerFactory(
            first_name="Regular",
            group=vip,
            sms_consent=True,
            gender="male",
            birth_date=today.replace(year=today.year - 25, month=7, day=1),
            properties={"channel": "web", "shoe_size": 44, "note": "Prefers green tea", "club": False},
        )
        tallinn = StoreFactory(name="Tallinn")
        for days in (10, 40):
            SaleFactory(
                store=tallinn,
                customer=regular,
                occurred_at=_days_ago(days),
                lines=[LineInput(product=tea.sku, quantity=Decimal("2"))],
            )
        points_adjust(customer=regular, points=150, reason="Welcome", acting_user=None)

        CustomerFactory(first_name="Newcomer", status=CustomerStatus.CONTROL)
        returner = CustomerFactory(first_name="Returner")
        ReturnFactory(sale=SaleFactory(customer=returner, occurred_at=_days_ago(5), lines=2))
        archived = CustomerFactory(first_name="Archived", archived=True, email_consent=True, language="de")
        SaleFactory(customer=archived, occurred_at=_days_ago(2))
    return {
        "vip": vip.pk,
        "gold_vip": gold_vip.pk,
        "drinks": drinks.pk,
        "gold": gold.pk,
        "tallinn": tallinn.pk,
        "tea": tea.sku,
        "properties": (channel, size, member, club, note),
        "alpha": alpha.tenant,
        "names": {"Lapsed", "Regular", "Newcomer", "Returner"},
    }


def _names(definition: Definition, tenant) -> set[str]:
    with tenant_context(tenant):
        return set(segment_customers(definition).values_list("first_name", flat=True))


def _one(field: str, operator: str, value: str = "", extra: str = "") -> Definition:
    return Definition((ConditionGroup((Condition(field, operator, value, extra),)),))


CASES = [
    ("status", "is", "control", {"Newcomer"}),
    ("status", "is_not", "control", {"Lapsed", "Regular", "Returner"}),
    ("group", "is", "{vip}", {"Lapsed", "Regular"}),
    ("group", "is", "{gold_vip}", {"Lapsed"}),
    ("group", "is_not", "{gold_vip}", {"Regular", "Newcomer", "Returner"}),
    ("gender", "is", "female", {"Lapsed"}),
    ("language", "is", "de", {"Lapsed"}),
    ("email_consent", "is", "yes", {"Lapsed"}),
    ("sms_consent", "is", "yes", {"Regular"}),
    ("age", "gte", "30", {"Lapsed"}),
    ("age", "lte", "30", {"Regular"}),
    ("birthday_month", "is", "3", {"Lapsed"}),
    ("purchase_count", "gte", "2", {"Lapsed", "Regular"}),
    ("purchase_total", "gte", "40", {"Lapsed", "Regular"}),
    ("purchase_total", "gte", "40.01", set()),
    # A return takes its amount off the customer's total.
    ("purchase_total", "lte", "10", {"Newcomer", "Returner"}),
    ("average_receipt", "gte", "20", {"Lapsed", "Regular"}),
    ("average_receipt", "lte", "19.99", {"Returner"}),
    ("days_since_last", "gte", "90", {"Lapsed"}),
    ("days_since_last", "lte", "30", {"Regular", "Returner"}),
    ("days_since_first", "gte", "365", {"Lapsed"}),
    ("year_spend", "gte", "30", {"Regular"}),
    ("year_spend", "lte", "10", {"Lapsed", "Newcomer", "Returner"}),
    ("bought", "did", "{drinks}", {"Regular"}, "60"),
    ("bought", "did", "{drinks}", {"Lapsed", "Regular"}, "500"),
    ("bought", "did_not", "{drinks}", {"Lapsed", "Newcomer", "Returner"}, "60"),
    ("bought", "did", "any", {"Regular", "Returner"}, "30"),
    ("bought_product", "did", "{tea}", {"Regular"}, "60"),
    ("bought_product", "did", "{tea}", {"Lapsed", "Regular"}, "500"),
    ("bought_product", "did_not", "{tea}", {"Lapsed", "Newcomer", "Returner"}, "60"),
    ("bought_at", "did", "{tallinn}", {"Regular"}, "60"),
    ("bought_at", "did_not", "{tallinn}", {"Lapsed", "Newcomer", "Returner"}, "60"),
    # Scored over every buyer of alpha (the archived one too, as the RFM report scores them):
    # recency tiles 1–4 from the oldest last purchase, frequency tile 3 for the two with two.
    ("rfm_recency", "lte", "1", {"Lapsed"}),
    ("rfm_recency", "gte", "3", {"Returner"}),
    ("rfm_frequency", "gte", "3", {"Lapsed", "Regular"}),
    ("rfm_frequency", "lte", "1", {"Returner"}),
    ("returned", "did", "30", {"Returner"}),
    ("returned", "did_not", "30", {"Lapsed", "Regular", "Newcomer"}),
    ("points_balance", "gte", "100", {"Regular"}),
    # Lapsed's purchases earned points by alpha's programme; the return took Returner's back.
    ("points_balance", "lte", "0", {"Newcomer", "Returner"}),
    ("card_type", "is", "{gold}", {"Lapsed"}),
    ("p:channel", "is", "store", {"Lapsed"}),
    ("p:channel", "is_not", "store", {"Regular", "Newcomer", "Returner"}),
    ("p:shoe_size", "gte", "40", {"Regular"}),
    ("p:member_since", "lte", "2020-01-01", {"Lapsed"}),
    ("p:club", "is", "yes", {"Lapsed"}),
    ("p:club", "is", "no", {"Regular"}),
    ("p:note", "contains", "GREEN", {"Regular"}),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{case[0]}-{case[1]}-{case[2]}" for case in CASES])
def test_each_condition_selects_exactly_its_customers_of_this_retailer(people, case):
    field, operator, value, expected, *extra = case
    value = value.format(**{key: people[key] for key in ("vip", "gold_vip", "drinks", "gold", "tallinn", "tea")})
    assert _names(_one(field, operator, value, *extra), people["alpha"]) == expected


def test_all_conditions_of_a_group_and_any_group(people):
    lapsed_vips = ConditionGroup(
        (Condition("group", "is", str(people["vip"])), Condition("days_since_last", "gte", "90"))
    )
    returners = ConditionGroup((Condition("returned", "did", "30"),))
    assert _names(Definition((lapsed_vips,)), people["alpha"]) == {"Lapsed"}
    assert _names(Definition((lapsed_vips, returners)), people["alpha"]) == {"Lapsed", "Returner"}
    # No condition: every customer who is not archived.
    assert _names(Definition(), people["alpha"]) == people["names"]
    with tenant_context(people["alpha"]):
        assert segment_count(Definition((lapsed_vips, returners))) == 2


BAD = [
    (Condition("status", "is", "archived"), "Status: choose one of the options."),
    (Condition("purchase_count", "gte", "many"), "Number of purchases: give a number."),
    (Condition("purchase_count", "between", "3"), "Number of purchases: choose how to compare."),
    (Condition("created", "gte", "31.02.2026"), "Created: give a date."),
    # Numbers a condition cannot compute with (a year before 1, a day before the calendar).
    (Condition("age", "gte", "20000"), "Age: give a number from 0 to 150."),
    (
        Condition("days_since_last", "gte", "99999999999"),
        "Days since the last purchase: give a number from 0 to 36500.",
    ),
    (Condition("rfm_recency", "gte", "6"), "RFM score: recency (1–5): give a number from 1 to 5."),
    (Condition("bought", "did", "any", "0"), "Bought from: give the number of days, from 1 to 3650."),
    (Condition("bought", "did", "999999", "30"), "Bought from: choose one of the options."),
    (
        Condition("bought_product", "did", "NO-SUCH", "30"),
        "Bought the product (code or EAN): no product has the code or EAN “NO-SUCH”.",
    ),
    (
        Condition("bought_product", "did", "", "30"),
        "Bought the product (code or EAN): no product has the code or EAN “”.",
    ),
    (Condition("returned", "did", "forever"), "Returned goods: give the number of days, from 1 to 3650."),
    (Condition("p:note", "contains", " "), "Property 4: give the text to look for."),
    (Condition("nothing", "is", "x"), "Choose what the condition is about."),
]


def test_points_expiring_within_30_days_are_those_not_spent_first(alpha, beta):
    """Spending takes the oldest points first: of the points due within 30 days, those the debits
    have not covered and that are not already due today."""
    today = timezone.localdate()
    balances: dict[tuple[str, int], int] = {}

    def entry(customer, points, expires_in=None):
        expires_on = today + datetime.timedelta(days=expires_in) if expires_in is not None else None
        kind = PointsEntry.Kind.EARN if points > 0 else PointsEntry.Kind.REDEEM
        key = (connection.schema_name, customer.pk)
        balances[key] = balances.get(key, 0) + points
        PointsEntry.objects.create(
            customer=customer,
            kind=kind,
            points=points,
            balance_after=balances[key],
            source="till",
            expires_on=expires_on,
        )

    with tenant_context(beta.tenant):
        entry(CustomerFactory(first_name="Beta"), 500, 5)
    with tenant_context(alpha.tenant):
        soon = CustomerFactory(first_name="Soon")
        entry(soon, 100, 10)
        entry(soon, 50, 60)
        entry(soon, -30)
        spent = CustomerFactory(first_name="Spent")
        entry(spent, 40, 0)
        entry(spent, 20, 20)
        entry(spent, -50)
        later = CustomerFactory(first_name="Later")
        entry(later, 300, 45)
        CustomerFactory(first_name="None")
        assert _names(_one("points_expiring", "gte", "11"), alpha.tenant) == {"Soon"}
        assert _names(_one("points_expiring", "gte", "70"), alpha.tenant) == {"Soon"}
        assert _names(_one("points_expiring", "gte", "71"), alpha.tenant) == set()
        assert _names(_one("points_expiring", "lte", "10"), alpha.tenant) == {"Spent", "Later", "None"}
        assert _names(_one("points_expiring", "gte", "1"), alpha.tenant) == {"Soon", "Spent"}
        # The placeholder {{ points_expiring }} reads the same figure.
        values = placeholder_values([soon, spent, later], coupons={})
        assert [values[c.pk]["points_expiring"] for c in (soon, spent, later)] == [70, 10, 0]


@pytest.mark.parametrize(
    ("condition", "message"), BAD, ids=[f"{case[0].field}-{index}" for index, case in enumerate(BAD)]
)
def test_a_condition_that_cannot_be_read_is_refused_with_its_message_and_nothing_written(
    people, alpha, condition, message
):
    with tenant_context(alpha.tenant):
        note = next(prop for prop in people["properties"] if prop.code == "note")
        message = message.replace("Property 4", note.label)
        before = (Segment.objects.count(), SegmentEvent.objects.count(), SegmentCount.objects.count())
        fine = Condition("purchase_count", "gte", "1")
        definition = Definition((ConditionGroup((fine, condition)),))
        with pytest.raises(ValidationError) as raised:
            segment_create(name="Broken", definition=definition, acting_user=None)
        assert raised.value.message_dict == {"definition": [message]}
        with pytest.raises(ValidationError):
            segment_customers(definition)
        assert (Segment.objects.count(), SegmentEvent.objects.count(), SegmentCount.objects.count()) == before


def test_every_problem_is_named_at_once(alpha, people):
    with tenant_context(alpha.tenant):
        definition = Definition(
            (
                ConditionGroup((Condition("purchase_count", "gte", "x"),)),
                ConditionGroup((Condition("age", "lte", "y"), Condition("gender", "is", "robot"))),
            )
        )
        with pytest.raises(ValidationError) as raised:
            segment_create(name="", definition=definition, acting_user=None)
        assert raised.value.message_dict == {
            "name": ["Give the segment a name."],
            "definition": [
                "Number of purchases: give a number.",
                "Age: give a number.",
                "Gender: choose one of the options.",
            ],
        }
        assert not Segment.objects.exists()


def test_create_change_and_archive_write_events_and_todays_size(alpha, people):
    with tenant_context(alpha.tenant):
        admin = User.objects.get(username="admin")
        segment = segment_create(
            name="  Lapsed   VIPs ",
            description="Bought before, not lately",
            definition=_one("group", "is", str(people["vip"])),
            acting_user=admin,
        )
        assert segment.name == "Lapsed VIPs"
        assert list(segment.events.values_list("kind", "acting_user__username")) == [("created", "admin")]
        assert list(SegmentCount.objects.filter(segment=segment).values_list("count", flat=True)) == [2]
        with pytest.raises(ValidationError) as raised:
            segment_create(name="lapsed vips", definition=Definition(), acting_user=admin)
        assert raised.value.message_dict == {"name": ["A segment named “lapsed vips” exists already."]}

        narrower = Definition(
            (ConditionGroup((Condition("group", "is", str(people["vip"])), Condition("days_since_last", "gte", "90"))),)
        )
        segment_update(segment=segment, name="Lapsed VIPs", description="", definition=narrower, acting_user=admin)
        change = segment.events.get(kind="changed")
        assert set(change.changes) == {"description", "definition"}
        assert change.changes["description"] == ["Bought before, not lately", ""]
        assert list(SegmentCount.objects.filter(segment=segment).values_list("count", flat=True)) == [1]

        segment_archive(segment=segment, is_archived=True, acting_user=admin)
        segment_archive(segment=segment, is_archived=True, acting_user=admin)
        assert list(segment.events.order_by("pk").values_list("kind", flat=True)) == ["created", "changed", "archived"]


def test_the_nightly_count_keeps_each_segments_size_once_a_day(alpha, beta, people):
    with tenant_context(alpha.tenant):
        vips = segment_create(name="VIPs", definition=_one("group", "is", str(people["vip"])), acting_user=None)
        gone = segment_create(name="Gone", definition=_one("status", "is", "control"), acting_user=None)
        segment_archive(segment=gone, is_archived=True, acting_user=None)
        CustomerFactory(first_name="Late VIP", group_id=people["vip"])
        assert segment_sizes_record() == 1
        assert list(SegmentCount.objects.filter(segment=vips).values_list("day", "count")) == [
            (timezone.localdate(), 3)
        ]
    with tenant_context(beta.tenant):
        assert segment_sizes_record() == 0


def test_the_customer_list_narrowed_to_a_segment(alpha, beta, people, tenant_client):
    with tenant_context(alpha.tenant):
        segment = segment_create(
            name="Consenting or lapsed",
            definition=Definition(
                (
                    ConditionGroup((Condition("sms_consent", "is", "yes"),)),
                    ConditionGroup((Condition("days_since_last", "gte", "90"),)),
                )
            ),
            acting_user=None,
        )
    client = tenant_client(alpha, alpha.marketer)
    response = client.get("/customers/", {"segment_id": segment.pk})
    assert sorted(str(row.customer.first_name) for row in response.context["rows"]) == ["Lapsed", "Regular"]
    response = client.get("/customers/", {"segment_id": segment.pk, "gender": "male"})
    assert [row.customer.first_name for row in response.context["rows"]] == ["Regular"]
    with tenant_context(alpha.tenant):
        segment_archive(segment=segment, is_archived=True, acting_user=None)
    response = client.get("/customers/", {"segment_id": segment.pk})
    assert "Some filters were not applied:" in response.content.decode()
    # Beta knows no such segment: its list says so, and shows its own customers only.
    response = tenant_client(beta, beta.marketer).get("/customers/", {"segment_id": segment.pk})
    assert "Some filters were not applied:" in response.content.decode()
    assert {row.customer.first_name for row in response.context["rows"]} == {"Beta"}
