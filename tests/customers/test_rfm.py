"""RFM scores and segments: quintiles on known figures, ties, the rule table, the list's segment
filter and its query count, the card, and two retailers that never see each other's customers."""

import bisect
import datetime
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from customers.models import Customer
from customers.selectors.rfm import (
    SEGMENT_RULES,
    RfmScore,
    RfmSegment,
    ntile_of_position,
    rfm_score_of,
    rfm_scores_sql,
    rfm_segment_of,
    rfm_segment_q,
)
from customers.services import group_create

# name: (days since the last purchase, purchases, amount) and the (R, F, M) those give among ten.
FIGURES = {
    "Anna": ((1, 10, "100.00"), (5, 5, 5), RfmSegment.CHAMPIONS),
    "Berit": ((2, 2, "20.00"), (5, 1, 1), RfmSegment.PROMISING),
    "Carl": ((10, 8, "80.00"), (4, 4, 4), RfmSegment.CHAMPIONS),
    "Dora": ((11, 4, "40.00"), (4, 2, 2), RfmSegment.PROMISING),
    "Eero": ((30, 9, "70.00"), (3, 5, 4), RfmSegment.LOYAL),
    "Frida": ((31, 6, "60.00"), (3, 3, 3), RfmSegment.NEED_ATTENTION),
    "Gert": ((100, 7, "90.00"), (2, 4, 5), RfmSegment.AT_RISK),
    "Helga": ((101, 1, "30.00"), (2, 1, 2), RfmSegment.LAPSED),
    "Ivo": ((300, 5, "50.00"), (1, 3, 3), RfmSegment.AT_RISK),
    "Juta": ((301, 3, "10.00"), (1, 2, 1), RfmSegment.LOST),
}


def _days_ago(days: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _customer(first_name: str, days: int | None, purchases: int, amount: str, **fields) -> Customer:
    return Customer.objects.create(
        first_name=first_name,
        last_name="Test",
        status="introduced",
        purchase_count=purchases,
        purchase_total=Decimal(amount),
        first_purchase_at=_days_ago(400) if days is not None else None,
        last_purchase_at=_days_ago(days) if days is not None else None,
        **fields,
    )


def _sql_scores() -> dict[int, tuple]:
    sql, params = rfm_scores_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT customer_id, recency, frequency, monetary, segment FROM ({sql}) AS rfm", params)
        return {row[0]: row[1:] for row in cursor.fetchall()}


@pytest.fixture
def scored(alpha, beta):
    """Ten scored customers and one who never bought in alpha; in beta, customers whose figures
    would move every alpha customer down a tile if the two retailers were scored together."""
    with tenant_context(beta.tenant):
        for number in range(10):
            _customer(f"Beta{number}", 0, 100 + number, "9999.00")
    with tenant_context(alpha.tenant):
        regulars = group_create(name="Regulars")
        customers = {
            name: _customer(name, *figures, group=regulars if name in ("Anna", "Gert") else None)
            for name, (figures, _scores, _segment) in FIGURES.items()
        }
        customers["Kaur"] = _customer("Kaur", None, 0, "0.00")
    return customers


def test_every_recency_and_value_pair_lands_in_exactly_one_segment():
    for recency in range(1, 6):
        for value in range(1, 6):
            matching = [rule.segment for rule in SEGMENT_RULES if rule.matches(recency, value)]
            assert len(matching) == 1, (recency, value, matching)
    assert {rule.segment for rule in SEGMENT_RULES} == set(RfmSegment)


@pytest.mark.parametrize(
    ("count", "tiles"),
    [
        (10, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        (7, [1, 1, 2, 2, 3, 4, 5]),
        (3, [1, 2, 3]),
        (6, [1, 1, 2, 3, 4, 5]),
    ],
)
def test_positions_fall_in_the_tiles_postgresql_gives(count, tiles):
    assert [ntile_of_position(position, count) for position in range(1, count + 1)] == tiles


@pytest.mark.django_db
def test_quintiles_and_segments_on_known_figures(alpha, scored):
    with tenant_context(alpha.tenant):
        by_sql = _sql_scores()
        assert set(by_sql) == {customer.pk for name, customer in scored.items() if name != "Kaur"}
        for name, (_figures, scores, segment) in FIGURES.items():
            customer = scored[name]
            assert by_sql[customer.pk] == (*scores, segment.value), name
            assert rfm_score_of(customer) == RfmScore(*scores, segment), name
            assert rfm_segment_of(customer) == segment
        assert rfm_segment_of(scored["Kaur"]) is None
        assert sorted(
            Customer.objects.filter(rfm_segment_q(RfmSegment.AT_RISK)).values_list("first_name", flat=True)
        ) == [
            "Gert",
            "Ivo",
        ]


@pytest.mark.django_db
def test_equal_figures_get_equal_scores_in_sql_and_on_the_card(alpha, beta):
    with tenant_context(alpha.tenant):
        # Seven customers: NTILE(5) makes tiles of 2, 2, 1, 1, 1; four bought once on the same day.
        figures = [(5, 1, "10.00")] * 4 + [(4, 2, "10.00"), (3, 3, "30.00"), (2, 9, "90.00")]
        customers = [_customer(f"Tie{index}", *row) for index, row in enumerate(figures)]
        by_sql = _sql_scores()
        assert [by_sql[customer.pk][:3] for customer in customers] == [
            (1, 1, 1),
            (1, 1, 1),
            (1, 1, 1),
            (1, 1, 1),
            (3, 3, 1),
            (4, 4, 4),
            (5, 5, 5),
        ]
        for customer in customers:
            score = rfm_score_of(customer)
            assert (score.recency, score.frequency, score.monetary, score.segment.value) == by_sql[customer.pk]


def _reference_tiles(figures: list) -> list[int]:
    """NTILE's tile of each figure's first customer, counted the plain way."""
    ordered = sorted(figures)
    return [ntile_of_position(bisect.bisect_left(ordered, figure) + 1, len(figures)) for figure in figures]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 2, 4, 5, 6, 333])
def test_the_sql_tiles_are_ntiles_of_each_figures_first_customer(alpha, count):
    # Few distinct figures, so most customers share theirs with others; counts around the five tiles.
    chance = random.Random(count)
    with tenant_context(alpha.tenant):
        customers = [
            _customer(
                f"Random{number}",
                chance.choice([1, 2, 3, 30, 31, 200]),
                chance.choice([1, 1, 1, 2, 3, 7]),
                chance.choice(["9.99", "10.00", "10.01", "250.00"]),
            )
            for number in range(count)
        ]
        by_sql = _sql_scores()
        figures = {
            "recency": [timezone.localtime(customer.last_purchase_at).date() for customer in customers],
            "frequency": [customer.purchase_count for customer in customers],
            "monetary": [customer.purchase_total for customer in customers],
        }
        expected = list(zip(*(_reference_tiles(values) for values in figures.values()), strict=True))
        assert [by_sql[customer.pk][:3] for customer in customers] == expected


@pytest.mark.django_db
def test_another_retailers_customers_never_move_the_quintiles(alpha, beta, scored):
    with tenant_context(beta.tenant):
        by_sql = _sql_scores()
        beta_customers = list(Customer.objects.order_by("purchase_count"))
        assert len(by_sql) == len(beta_customers) == 10
        # Beta's ten bought on the same day, for the same amount: one recency, one monetary tile.
        assert [by_sql[customer.pk] for customer in beta_customers] == [
            (1, tile, 1, "lost" if tile <= 3 else "at_risk") for tile in (1, 1, 2, 2, 3, 3, 4, 4, 5, 5)
        ]
    with tenant_context(alpha.tenant):
        assert rfm_score_of(Customer.objects.get(first_name="Juta")) == RfmScore(1, 2, 1, RfmSegment.LOST)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("segment=champions", ["Anna", "Carl"]),
        ("segment=promising", ["Berit", "Dora"]),
        ("segment=loyal", ["Eero"]),
        ("segment=need_attention", ["Frida"]),
        ("segment=at_risk", ["Gert", "Ivo"]),
        ("segment=lapsed", ["Helga"]),
        ("segment=lost", ["Juta"]),
        # Other filters narrow the list; the scores stay those of the whole customer base.
        ("segment=champions&purchases_max=9", ["Carl"]),
    ],
)
def test_the_list_filters_by_segment(alpha, scored, query, expected, tenant_client):
    response = tenant_client(alpha, alpha.marketer).get(f"/customers/?{query}")
    assert sorted(row.customer.first_name for row in response.context["rows"]) == expected


@pytest.mark.django_db
def test_the_segment_filter_with_a_group_and_its_control_on_the_page(alpha, scored, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    group = scored["Anna"].group
    response = client.get(f"/customers/?segment=at_risk&group={group.pk}")
    assert [row.customer.first_name for row in response.context["rows"]] == ["Gert"]
    page = client.get("/customers/").content.decode()
    assert '<select name="segment"' in page and "Customer value (RFM)" in page
    assert '<option value="need_attention">Need attention</option>' in page
    refused = client.get("/customers/?segment=nobody")
    assert "Some filters were not applied:" in refused.content.decode()


@pytest.mark.django_db
def test_the_segment_filter_adds_no_query_per_row(alpha, scored, django_assert_max_num_queries, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    with tenant_context(alpha.tenant):
        Customer.objects.bulk_create(
            Customer(
                first_name="Extra",
                last_name=str(number),
                status="introduced",
                purchase_count=20 + number,
                purchase_total=Decimal("500.00") + number,
                last_purchase_at=_days_ago(number),
            )
            for number in range(60)
        )
        segments = [row[3] for row in _sql_scores().values()]
        largest = max(set(segments), key=segments.count)
    assert segments.count(largest) >= 20
    client.get("/customers/")  # the first page builds what is cached per retailer (the group choices)
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as plain:
        client.get("/customers/?cols=name&cols=group&cols=purchase_total")
    connection.set_schema_to_public()
    with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as filtered:
        response = client.get(f"/customers/?segment={largest}&cols=name&cols=group&cols=purchase_total")
    assert len(response.context["rows"]) == min(50, segments.count(largest))
    # No query per row: at most the plain list's (which counts its full first page, EXPLAIN and
    # COUNT, where a first page that is not full is its own count).
    assert len(filtered) <= len(plain)


@pytest.mark.django_db
def test_the_card_shows_the_segment_and_the_scores(alpha, scored, tenant_client):
    client = tenant_client(alpha, alpha.marketer)
    response = client.get(f"/customers/{scored['Eero'].pk}/")
    assert response.context["rfm"] == RfmScore(3, 5, 4, RfmSegment.LOYAL)
    page = response.content.decode()
    assert "Customer value (RFM)" in page
    assert "<strong>Loyal</strong>" in page and "recency 3, frequency 5, amount 4 of 5" in page
    never = client.get(f"/customers/{scored['Kaur'].pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-content")
    assert never.context["rfm"] is None
    assert "not scored before a first purchase" in never.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 7, 13, 64])
def test_a_large_bases_card_scores_from_the_boundaries_as_the_exact_count_does(alpha, beta, count, monkeypatch):
    """The card of a large base reads the kept tile boundaries instead of counting: on the same
    customers both give every customer the same scores as the SQL of the report and the list,
    ties and tiles of unequal size included."""
    import random

    from customers.selectors import rfm

    chooser = random.Random(count)
    with tenant_context(alpha.tenant):
        customers = [
            _customer(
                f"Base{index}",
                chooser.choice([1, 1, 5, 20, 90, 200]),
                chooser.choice([1, 1, 1, 2, 3, 8]),
                chooser.choice(["10.00", "10.00", "35.50", "80.00", "120.00"]),
            )
            for index in range(count)
        ]
        with tenant_context(beta.tenant):
            # Another retailer's buyers move neither the count nor the boundaries.
            _customer("Beta", 1, 50, "999.00")
        by_sql = _sql_scores()
        exact = {customer.pk: rfm_score_of(customer) for customer in customers}
        monkeypatch.setattr(rfm, "EXACT_UP_TO", -2)
        monkeypatch.setattr(rfm, "_boundaries_kept", rfm.rfm_boundaries)
        for customer in customers:
            score = rfm_score_of(customer)
            assert score == exact[customer.pk], customer.first_name
            assert (score.recency, score.frequency, score.monetary, score.segment.value) == by_sql[customer.pk]


@pytest.mark.django_db
def test_the_boundaries_are_kept_per_retailer_for_an_hour(alpha, beta):
    from django.core.cache import cache

    from customers.selectors import rfm

    for setup, days in ((alpha, 3), (beta, 30)):
        with tenant_context(setup.tenant):
            for index in range(6):
                _customer(f"Kept{index}", days + index, index + 1, f"{10 * (index + 1)}.00")
    keys = []
    for setup in (alpha, beta):
        with tenant_context(setup.tenant):
            key = f"rfm-boundaries:{setup.tenant.schema_name}:{timezone.get_current_timezone_name()}"
            cache.delete(key)
            keys.append(key)
            assert rfm._boundaries_kept() == rfm.rfm_boundaries()
            assert cache.get(key) == rfm.rfm_boundaries()
    with tenant_context(alpha.tenant):
        alpha_boundaries = cache.get(keys[0])
    with tenant_context(beta.tenant):
        assert cache.get(keys[1]) != alpha_boundaries
    cache.delete_many(keys)
