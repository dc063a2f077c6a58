"""RFM: customers scored on recency, frequency and monetary value, and named segments.

Who is scored: every customer who bought at least once (`purchase_count` ≥ 1 and a last
purchase), whatever the status or group. The scores are quintiles of that whole population,
computed in SQL with NTILE(5); 5 is the best fifth:

- R, recency: the local day of the last purchase (fewer days since it: higher);
- F, frequency: `purchase_count` (more: higher);
- M, monetary: `purchase_total`, net of returns as the sales app keeps it (more: higher).

Equal figures, equal score: NTILE alone would split customers with the same figure (the many
who bought once, say) across two tiles in no fixed order, so a customer could change segment
from one query to the next. Every customer gets the lowest tile among those with the same
figure, the tile where that figure starts (MIN(tile) OVER (PARTITION BY figure)); a score may
then be skipped (F: 1, 4, 5 when most customers bought once).

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

`rfm_scores_sql` is the scored population as SQL (one statement, window functions); the list's
segment filter (`rfm_segment_q`) and the RFM report use it. The card asks for one customer's
scores with `rfm_score_of`: one aggregate that counts the customers below each figure, which gives
the same tile NTILE gives that figure's first customer (`ntile_of_position`).
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

TILES = 5


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
    customer with a purchase, in no particular order."""
    table = Customer._meta.db_table
    column = {name: Customer._meta.get_field(name).column for name in ("purchase_count", "purchase_total")}
    last_purchase = Customer._meta.get_field("last_purchase_at").column
    pk = Customer._meta.pk.column
    sql = f"""
        SELECT customer_id, last_day, recency, frequency, monetary, {_segment_case()} AS segment
        FROM (
            SELECT customer_id, last_day,
                   MIN(recency_tile) OVER (PARTITION BY last_day) AS recency,
                   MIN(frequency_tile) OVER (PARTITION BY purchase_count) AS frequency,
                   MIN(monetary_tile) OVER (PARTITION BY purchase_total) AS monetary
            FROM (
                SELECT customer_id, last_day, purchase_count, purchase_total,
                       NTILE({TILES}) OVER (ORDER BY last_day) AS recency_tile,
                       NTILE({TILES}) OVER (ORDER BY purchase_count) AS frequency_tile,
                       NTILE({TILES}) OVER (ORDER BY purchase_total) AS monetary_tile
                FROM (
                    SELECT "{pk}" AS customer_id,
                           ("{last_purchase}" AT TIME ZONE %s)::date AS last_day,
                           "{column["purchase_count"]}" AS purchase_count,
                           "{column["purchase_total"]}" AS purchase_total
                    FROM "{table}"
                    WHERE "{column["purchase_count"]}" > 0 AND "{last_purchase}" IS NOT NULL
                ) AS scored_customers
            ) AS tiles
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


def rfm_score_of(customer: Customer) -> RfmScore | None:
    """The customer's scores and segment, or None before a first purchase; one query."""
    if not customer.purchase_count or customer.last_purchase_at is None:
        return None
    last_day = timezone.localtime(customer.last_purchase_at).date()
    figures = Customer.objects.filter(purchase_count__gt=0, last_purchase_at__isnull=False).aggregate(
        count=Count("pk"),
        recency_below=Count("pk", filter=Q(last_purchase_at__date__lt=last_day)),
        frequency_below=Count("pk", filter=Q(purchase_count__lt=customer.purchase_count)),
        monetary_below=Count("pk", filter=Q(purchase_total__lt=customer.purchase_total)),
    )
    count = figures["count"]
    recency, frequency, monetary = (
        ntile_of_position(figures[f"{name}_below"] + 1, count) for name in ("recency", "frequency", "monetary")
    )
    return RfmScore(
        recency=recency,
        frequency=frequency,
        monetary=monetary,
        segment=rfm_segment_for(recency=recency, frequency=frequency, monetary=monetary),
    )


def rfm_segment_of(customer: Customer) -> RfmSegment | None:
    """The customer's segment, or None before a first purchase."""
    score = rfm_score_of(customer)
    return score.segment if score else None
