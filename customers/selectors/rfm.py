"""RFM: customers scored on recency, frequency and monetary value, and named segments.

Who is scored: every customer who bought at least once (`purchase_count` ≥ 1 and a last
purchase), whatever the status or group. The scores are quintiles of that whole population,
as NTILE(5) makes them; 5 is the best fifth:

- R, recency: the local day of the last purchase (fewer days since it: higher);
- F, frequency: `purchase_count` (more: higher);
- M, monetary: `purchase_total`, net of returns as the sales app keeps it (more: higher).

Equal figures, equal score: NTILE alone would split customers with the same figure (the many
who bought once, say) across two tiles in no fixed order, so a customer could change segment
from one query to the next. Every customer gets the lowest tile among those with the same
figure, the tile where that figure starts (the tile of the figure's first customer); a
score may then be skipped (F: 1, 4, 5 when most customers bought once).

The segment comes from R and FM = round((F + M) / 2), halves rounded up:

| segment        | R   | FM  |
| -------------- | --- | --- |
| champions      | 4–5 | 4–5 |
| loyal          | 3   | 4–5 |
| promising      | 4–5 | 1–3 |
| need attention | 3   | 1–3 |
| at risk        | 1–2 | 3–5 |
| lapsed         | 2   | 1–2 |
| lost           | 1   | 1–2 |

Every (R, FM) of the 5 × 5 lands in exactly one segment (tests/customers/test_rfm.py checks it).

A customer's tile is the tile NTILE gives the first customer with the same figure: the tile of
position (customers below the figure + 1) (`ntile_of_position`). It is found by comparing the
figure with the population's tile boundaries: the figure at the position just before each tile
starts (`RfmBoundaries`; a figure above k of them is in tile k + 1), one percentile_disc per
figure. `rfm_scores_sql`, the scored population as one statement that the list's segment filter
(`rfm_segment_q`) and the RFM report use, reads them live. The card (`rfm_score_of`) counts
exactly where few customers bought; on a large base it compares the customer's live figures with
boundaries kept for an hour per retailer (a million customers' boundaries barely move in an hour;
reading them takes a pass over every buyer).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

TILES = 5
# Up to this many customers (the planner's estimate of the table) the card counts exactly.
EXACT_UP_TO = 50_000
BOUNDARIES_KEPT = 60 * 60


class RfmSegment(models.TextChoices):
    """The segments, in their fixed order (reports and charts list them so)."""

    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    AT_RISK = "at_risk", _("At risk")
    LAPSED = "lapsed", _("Lapsed")
    LOST = "lost", _("Lost")


@dataclass(frozen=True)
class SegmentRule:
    segment: RfmSegment
    recency: tuple[int, int]
    value: tuple[int, int]  # FM, from (F + M) / 2

    def matches(self, recency: int, value: int) -> bool:
        return self.recency[0] <= recency <= self.recency[1] and self.value[0] <= value <= self.value[1]


# The table of the module's docstring.
SEGMENT_RULES = (
    SegmentRule(RfmSegment.CHAMPIONS, (4, 5), (4, 5)),
    SegmentRule(RfmSegment.LOYAL, (3, 3), (4, 5)),
    SegmentRule(RfmSegment.PROMISING, (4, 5), (1, 3)),
    SegmentRule(RfmSegment.NEED_ATTENTION, (3, 3), (1, 3)),
    SegmentRule(RfmSegment.AT_RISK, (1, 2), (3, 5)),
    SegmentRule(RfmSegment.LAPSED, (2, 2), (1, 2)),
    SegmentRule(RfmSegment.LOST, (1, 1), (1, 2)),
)


def rfm_value_score(frequency: int, monetary: int) -> int:
    """FM: the mean of F and M, a half rounded up."""
    return (frequency + monetary + 1) // 2


def rfm_segment_for(*, recency: int, frequency: int, monetary: int) -> RfmSegment:
    value = rfm_value_score(frequency, monetary)
    for rule in SEGMENT_RULES:
        if rule.matches(recency, value):
            return rule.segment
    raise ValueError(f"no RFM segment for R={recency}, F={frequency}, M={monetary}")


def ntile_of_position(position: int, count: int, tiles: int = TILES) -> int:
    """The tile PostgreSQL's NTILE(tiles) gives the row at `position` (1-based) of `count` rows:
    tiles as equal as can be, the first `count % tiles` of them one row larger."""
    size, remainder = divmod(count, tiles)
    larger_rows = remainder * (size + 1)
    if position <= larger_rows:
        return (position - 1) // (size + 1) + 1
    return remainder + (position - larger_rows - 1) // size + 1


def _segment_case() -> str:
    # Integers and the segments' own values only: nothing from outside goes into this text.
    value = "((frequency + monetary + 1) / 2)"
    whens = " ".join(
        f"WHEN recency BETWEEN {rule.recency[0]} AND {rule.recency[1]} "
        f"AND {value} BETWEEN {rule.value[0]} AND {rule.value[1]} THEN '{rule.segment.value}'"
        for rule in SEGMENT_RULES
    )
    return f"CASE {whens} END"


def rfm_scores_sql() -> tuple[str, list]:
    """The scored customers as SQL and its parameters: the columns customer_id, last_day (the
    local day of the last purchase), recency, frequency, monetary and segment; one row per
    customer with a purchase, in no particular order.

    One statement without window functions: the population's tile boundaries (the figure at the
    position just before each tile starts, one percentile_disc per figure, as `rfm_boundaries`
    reads them for the card), then each customer's tile as one plus the boundaries below the
    customer's figure. That is the tile NTILE gives the position (customers below the figure + 1),
    the tile of the figure's first customer. On L's 894,215 buyers it scores them in 2.7–2.9 s,
    where three RANK() sorts of every row took 3.3–4.3 s (both without JIT)."""
    table = Customer._meta.db_table
    count = Customer._meta.get_field("purchase_count").column
    total = Customer._meta.get_field("purchase_total").column
    last_purchase = Customer._meta.get_field("last_purchase_at").column
    pk = Customer._meta.pk.column
    # Tile k + 1 starts at position k × size + min(k, remainder) + 1 (ntile_of_position): its
    # boundary is the figure at the position before, percentile_disc's value at ((that) − ½) / n.
    fractions = f"""ARRAY(SELECT (k * (n / {TILES}) + least(k, mod(n, {TILES})) - 0.5) / n
                          FROM generate_series(1, {TILES - 1}) AS k)::float8[]"""
    tiles = {
        name: " + ".join(["1", *(f"({figure} > {name}_bounds[{k}])::int" for k in range(1, TILES))])
        for name, figure in (("recency", "last_day"), ("frequency", "purchase_count"), ("monetary", "purchase_total"))
    }
    sql = f"""
        WITH rfm_buyers AS MATERIALIZED (
            SELECT "{pk}" AS customer_id,
                   ("{last_purchase}" AT TIME ZONE %s)::date AS last_day,
                   "{count}" AS purchase_count,
                   "{total}" AS purchase_total
            FROM "{table}"
            WHERE "{count}" > 0 AND "{last_purchase}" IS NOT NULL
        ), rfm_fractions AS (
            SELECT {fractions} AS fractions FROM (SELECT NULLIF(COUNT(*), 0) AS n FROM rfm_buyers) AS population
        ), rfm_bounds AS (
            SELECT percentile_disc((SELECT fractions FROM rfm_fractions)) WITHIN GROUP (ORDER BY last_day)
                       AS recency_bounds,
                   percentile_disc((SELECT fractions FROM rfm_fractions)) WITHIN GROUP (ORDER BY purchase_count)
                       AS frequency_bounds,
                   percentile_disc((SELECT fractions FROM rfm_fractions)) WITHIN GROUP (ORDER BY purchase_total)
                       AS monetary_bounds
            FROM rfm_buyers
        )
        SELECT customer_id, last_day, recency, frequency, monetary, {_segment_case()} AS segment
        FROM (
            SELECT customer_id, last_day,
                   {tiles["recency"]} AS recency,
                   {tiles["frequency"]} AS frequency,
                   {tiles["monetary"]} AS monetary
            FROM rfm_buyers CROSS JOIN rfm_bounds
        ) AS scores
    """
    return sql, [timezone.get_current_timezone_name()]


def rfm_segment_q(segment: str) -> Q:
    """A condition on customers: in `segment` (scored against every customer, whatever else the
    query filters), for `Customer.objects.filter(...)`."""
    sql, params = rfm_scores_sql()
    return Q(pk__in=RawSQL(f"SELECT customer_id FROM ({sql}) AS rfm WHERE segment = %s", [*params, segment]))


@dataclass(frozen=True)
class RfmScore:
    recency: int
    frequency: int
    monetary: int
    segment: RfmSegment


def tile_starts(count: int, tiles: int = TILES) -> list[int]:
    """The position (1-based) at which each tile after the first starts, for `count` rows."""
    size, remainder = divmod(count, tiles)
    starts, position = [], 1
    for tile in range(1, tiles):
        position += size + (1 if tile <= remainder else 0)
        starts.append(position)
    return starts


@dataclass(frozen=True)
class RfmBoundaries:
    """For each figure, the value at the position just before each of tiles 2 … 5 starts (in the
    population's order): a customer's figure above k of them is in tile k + 1."""

    recency: tuple[datetime.date, ...]
    frequency: tuple[int, ...]
    monetary: tuple[Decimal, ...]

    @staticmethod
    def tile(value, boundaries: tuple) -> int:
        return 1 + sum(1 for boundary in boundaries if boundary < value)


def _buyers():
    return Customer.objects.filter(purchase_count__gt=0, last_purchase_at__isnull=False)


def rfm_boundaries() -> RfmBoundaries | None:
    """The population's tile boundaries, one pass over the buyers (None with fewer buyers than
    tiles). percentile_disc(f) is the value at position ceil(f × count): f = (position − ½) / count
    hits the position whatever the rounding of the division."""
    count = _buyers().count()
    if count < TILES:
        return None
    fractions = [(start - 1 - 0.5) / count for start in tile_starts(count)]
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT percentile_disc(%(f)s::float8[]) WITHIN GROUP (ORDER BY last_purchase_at),
                   percentile_disc(%(f)s::float8[]) WITHIN GROUP (ORDER BY purchase_count),
                   percentile_disc(%(f)s::float8[]) WITHIN GROUP (ORDER BY purchase_total)
            FROM "{table}" WHERE purchase_count > 0 AND last_purchase_at IS NOT NULL
            """,
            {"f": fractions},
        )
        last_purchases, frequencies, monetaries = cursor.fetchone()
    return RfmBoundaries(
        recency=tuple(timezone.localtime(moment).date() for moment in last_purchases),
        frequency=tuple(frequencies),
        monetary=tuple(monetaries),
    )


def _boundaries_kept() -> RfmBoundaries | None:
    """The retailer's boundaries from the cache, computed when missing (once an hour)."""
    key = f"rfm-boundaries:{connection.schema_name}:{timezone.get_current_timezone_name()}"
    boundaries = cache.get(key)
    if boundaries is None:
        boundaries = rfm_boundaries()
        cache.set(key, boundaries, BOUNDARIES_KEPT)
    return boundaries


def _table_estimate() -> int:
    """The planner's estimate of the customers' table (−1 before its first analysis)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [Customer._meta.db_table])
        return cursor.fetchone()[0]


def _score(recency: int, frequency: int, monetary: int) -> RfmScore:
    return RfmScore(
        recency=recency,
        frequency=frequency,
        monetary=monetary,
        segment=rfm_segment_for(recency=recency, frequency=frequency, monetary=monetary),
    )


def rfm_score_of(customer: Customer) -> RfmScore | None:
    """The customer's scores and segment, or None before a first purchase: counted exactly on a
    small base, from the kept boundaries on a large one."""
    if not customer.purchase_count or customer.last_purchase_at is None:
        return None
    last_day = timezone.localtime(customer.last_purchase_at).date()
    if _table_estimate() > EXACT_UP_TO:
        boundaries = _boundaries_kept()
        if boundaries is not None:
            return _score(
                RfmBoundaries.tile(last_day, boundaries.recency),
                RfmBoundaries.tile(customer.purchase_count, boundaries.frequency),
                RfmBoundaries.tile(customer.purchase_total, boundaries.monetary),
            )
    figures = _buyers().aggregate(
        count=Count("pk"),
        recency_below=Count("pk", filter=Q(last_purchase_at__date__lt=last_day)),
        frequency_below=Count("pk", filter=Q(purchase_count__lt=customer.purchase_count)),
        monetary_below=Count("pk", filter=Q(purchase_total__lt=customer.purchase_total)),
    )
    count = figures["count"]
    return _score(
        *(ntile_of_position(figures[f"{name}_below"] + 1, count) for name in ("recency", "frequency", "monetary"))
    )


def rfm_segment_of(customer: Customer) -> RfmSegment | None:
    """The customer's segment, or None before a first purchase."""
    score = rfm_score_of(customer)
    return score.segment if score else None
