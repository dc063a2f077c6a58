"""Back-office pages: the customer list (unfiltered, one filter, search, three filters), the
customer card and its tabs, the dashboard, and the list and card pages beside their own SQL run
alone under EXPLAIN ANALYZE."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from benchmarks.context import BenchContext
from benchmarks.lookups import lookups_detail
from benchmarks.results import Better, Limit, Row, Section, Stat
from benchmarks.servers import GUNICORN_WORKERS

LIST = "customer list, first page, no filter / any one filter / search by name, phone, e-mail or card"
LIST_TARGET = "p95 ≤ 100 ms server time"
THREE = "customer list with three filters incl. a custom property and a group with sub-groups"
CARD = "customer card and each of its tabs"
SIDE_TARGET = "page ≤ 1.5× SQL + 20 ms"
SQL_LIMIT = "the limit: the page's own SQL run alone (EXPLAIN ANALYZE)"


@dataclass(frozen=True)
class Timed:
    stat: Stat
    queries: int


def _samples(ctx: BenchContext) -> int:
    return 3 if ctx.smoke else ctx.runs * 20


def _timed(client, path: str, ctx: BenchContext) -> Timed:
    # Each request may go to any of gunicorn's workers (its sync workers keep no connection
    # alive): the page is opened once per worker before it is timed, so no timed request pays
    # a fresh process's first rendering of it.
    times = client.timed(path, _samples(ctx), warm_up=GUNICORN_WORKERS)
    return Timed(Stat.of("ms", [t.server_ms for t in times]), max(t.queries for t in times))


def _row(operation: str, target: str, limit: float, timed: Timed, path: str) -> Row:
    return Row(
        operation, target, timed.stat, limit=Limit(limit, Better.LOWER), note=f"{timed.queries} SQL queries; {path}"
    )


def _list_paths(ctx: BenchContext) -> list[tuple[str, str]]:
    fixture = ctx.fixture
    customer = fixture.top_customer
    variants = [
        ("no filter", {}),
        ("status: all", {"status": "all"}),
        ("gender", {"gender": "female"}),
        ("e-mail consent", {"email_consent": "yes"}),
        ("purchases from 5", {"purchases_min": 5}),
        ("last purchase on or after 2025-01-01", {"last_purchase_after": "2025-01-01"}),
        ("birthday in the next 30 days", {"birthday_within": 30}),
        ("age from 30", {"age_min": 30}),
    ]
    if fixture.customer_group_id:
        variants.append(("group with sub-groups", {"group": fixture.customer_group_id}))
    if fixture.property_code:
        variants.append(("custom property", {f"p_{fixture.property_code}": fixture.property_value}))
    variants += [
        ("search by last name", {"q": customer.last_name}),
        ("search by phone", {"q": customer.phone}),
        ("search by e-mail", {"q": customer.email}),
        ("search by card number", {"q": customer.card_number}),
    ]
    return [(name, "/customers/" + (f"?{urlencode(params)}" if params else "")) for name, params in variants]


def _segment_conditions(ctx: BenchContext) -> dict[str, str]:
    """The builder's form with five conditions (status, group with sub-groups, a custom property,
    purchases, days since the last purchase), as the page posts it."""
    fixture = ctx.fixture
    conditions = [("status", "is", "introduced"), ("purchase_count", "gte", "2"), ("days_since_last", "gte", "90")]
    if fixture.customer_group_id:
        conditions.append(("group", "is", str(fixture.customer_group_id)))
    if fixture.property_code:
        conditions.append((f"p:{fixture.property_code}", "is", str(fixture.property_value)))
    data = {"name": ""}
    for index, (field, operator, value) in enumerate(conditions):
        prefix = f"g0-c{index}-"
        data.update({prefix + "field": field, prefix + "shown": field, prefix + "operator": operator})
        data[prefix + "value"] = value
    return data


def _segment_row(ctx: BenchContext, client) -> Row:
    """The builder counting a segment of five conditions and showing its first rows: the server's
    time of the htmx request each change of a condition sends."""
    data = _segment_conditions(ctx)
    times = []
    for attempt in range(GUNICORN_WORKERS + _samples(ctx)):
        response, timing = client.post("/segments/new/", data, htmx=True)
        if response.status_code != 200 or 'data-testid="segment-count"' not in response.text:
            raise RuntimeError(f"the segment builder gave HTTP {response.status_code}")
        if attempt >= GUNICORN_WORKERS:
            times.append(timing)
    count = re.search(r'data-testid="segment-count">([^<]+)<', response.text)
    conditions = len([key for key in data if key.endswith("-field")])
    return Row(
        "segment of five conditions: live count",
        "≤ 2 s",
        Stat.of("ms", [time.server_ms for time in times]),
        limit=Limit(2000, Better.LOWER),
        note=f"{conditions} conditions, the builder's htmx request (count and first 10 rows), "
        f"{max(time.queries for time in times)} SQL queries; {count.group(1).strip() if count else '?'}",
    )


TILL = "cashier's screen: card look-up / register a sale"


def _till_rows(ctx: BenchContext, client) -> list[Row]:
    """The cashier's screen (pos.screen) as a counter uses it: a card scanned (the htmx request
    that finds its customer), then a sale of five lines registered; server time of each."""
    from pos.screen import TERMINAL_COOKIE
    from sales.models import Terminal

    with schema_context(ctx.schema):
        terminal = Terminal.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True).first()
    connection.close()
    client.session.cookies.set(TERMINAL_COOKIE, str(terminal))
    page = client.session.get(client.url("/till/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"the till gave HTTP {page.status_code}")
    headers = {"Referer": f"http://{client.host}/till/", "HX-Request": "true"}
    cards = ctx.fixture.card_numbers
    products = [product.sku for product in ctx.fixture.products[:5]]
    customer = ctx.fixture.top_customer.id
    look_ups, sales, queries = [], [], {"look-up": 0, "sale": 0}
    for attempt in range(GUNICORN_WORKERS + _samples(ctx)):
        data = {"csrfmiddlewaretoken": token.group(1), "q": cards[attempt % len(cards)], "action": "enter"}
        response, timing = client._timing(client.session.post(client.url("/till/work/"), data=data, headers=headers))
        if response.status_code != 200 or 'data-testid="till-customer"' not in response.text:
            raise RuntimeError(f"the till's card look-up gave HTTP {response.status_code}")
        if attempt >= GUNICORN_WORKERS:
            look_ups.append(timing)
            queries["look-up"] = max(queries["look-up"], timing.queries)
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "customer_id": customer,
            "client_id": f"bench-till-{uuid.uuid4().hex}",
            "code": products,
            "qty": ["1"] * len(products),
            "action": "register",
        }
        response, timing = client._timing(client.session.post(client.url("/till/work/"), data=data, headers=headers))
        if response.status_code != 200 or 'data-testid="till-done"' not in response.text:
            raise RuntimeError(f"the till's sale gave HTTP {response.status_code}")
        if attempt >= GUNICORN_WORKERS:
            sales.append(timing)
            queries["sale"] = max(queries["sale"], timing.queries)
    return [
        Row(
            f"{TILL} — card look-up",
            "≤ 150 ms server time",
            Stat.of("ms", [time.server_ms for time in look_ups]),
            limit=Limit(150, Better.LOWER),
            note=f"POST /till/work/ with a scanned card's number (htmx), {queries['look-up']} SQL queries",
        ),
        Row(
            f"{TILL} — register a sale",
            "≤ 150 ms server time",
            Stat.of("ms", [time.server_ms for time in sales]),
            limit=Limit(150, Better.LOWER),
            note=f"POST /till/work/ registering {len(products)} lines for a customer with points, "
            f"{queries['sale']} SQL queries",
        ),
    ]


def _three_filters_path(ctx: BenchContext) -> str:
    fixture = ctx.fixture
    params: dict = {"purchases_min": 2}
    if fixture.customer_group_id:
        params["group"] = fixture.customer_group_id
    if fixture.property_code:
        params[f"p_{fixture.property_code}"] = fixture.property_value
    return f"/customers/?{urlencode(params)}"


def _tabs() -> list[str]:
    from customers.card_tabs import card_tabs

    return [tab.code for tab in card_tabs]


@dataclass(frozen=True)
class Explained:
    sql: str
    ms: float
    top: str
    index: bool


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def _captured_selects(ctx: BenchContext, path: str) -> list[str]:
    """The SELECTs the page runs, captured in this process through Django's test client."""
    from django.contrib.auth import get_user_model

    client = Client(HTTP_HOST=ctx.host)
    # Users and sessions live in the retailer's schema: log in there.
    with schema_context(ctx.schema):
        client.force_login(get_user_model().objects.get(username=ctx.admin.username))
    client.get(path, follow=True)  # a first visit may redirect once; capture a later one
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        where = response.headers.get("Location", "")
        raise RuntimeError(f"{path} gave HTTP {response.status_code} {where} in the test client")
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]


def _explain(ctx: BenchContext, selects: list[str]) -> list[Explained]:
    explained = []
    with schema_context(ctx.schema), connection.cursor() as cursor:
        for sql in selects:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            raw = cursor.fetchone()[0]
            plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            nodes = list(_plan_nodes(plan["Plan"]))
            top = plan["Plan"]["Node Type"]
            explained.append(
                Explained(
                    sql=sql,
                    ms=plan.get("Planning Time", 0.0) + plan.get("Execution Time", 0.0),
                    top=top,
                    index=any("Index" in node["Node Type"] for node in nodes),
                )
            )
    return explained


def _side_by_side(ctx: BenchContext, client, name: str, path: str) -> tuple[Row, str]:
    selects = _captured_selects(ctx, path)
    rounds = [_explain(ctx, selects) for _ in range(max(1, ctx.runs))]
    connection.close()
    sql = Stat.of("ms", [sum(e.ms for e in run) for run in rounds])
    page = _timed(client, path, ctx)
    ratio = page.stat.p95 / (1.5 * sql.p95 + 20)
    row = Row(
        f"{name} page",
        SIDE_TARGET,
        page.stat,
        reference_name=SQL_LIMIT,
        reference=sql,
        ratio=ratio,
        met=ratio <= 1,
        note=f"{page.queries} SQL queries ({len(selects)} SELECTs explained); {path}",
    )
    lines = [f"**{name} page** (`{path}`): {len(selects)} SELECTs, last EXPLAIN round:", ""]
    lines += ["| # | ms | top node | index | query |", "| --- | --- | --- | --- | --- |"]
    for number, item in enumerate(rounds[-1], 1):
        count = " (paginator COUNT)" if "COUNT(*)" in item.sql.upper() else ""
        text = item.sql.replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(f"| {number} | {item.ms:.2f} | {item.top}{count} | {'yes' if item.index else 'no'} | `{text}` |")
    return row, "\n".join(lines)


def measure(ctx: BenchContext) -> Section:
    section = Section("Back-office pages")
    client = ctx.back_office()
    for variant, path in _list_paths(ctx):
        section.targets.append(_row(f"{LIST} — {variant}", LIST_TARGET, 100, _timed(client, path, ctx), path))
    path = _three_filters_path(ctx)
    section.targets.append(_row(THREE, "p95 ≤ 150 ms", 150, _timed(client, path, ctx), path))
    card = f"/customers/{ctx.fixture.top_customer.id}/"
    section.targets.append(_row(f"{CARD} — card", "p95 ≤ 80 ms", 80, _timed(client, card, ctx), card))
    for tab in _tabs():
        path = f"{card}{tab}/"
        section.targets.append(_row(f"{CARD} — tab {tab}", "p95 ≤ 80 ms", 80, _timed(client, path, ctx), path))
    section.targets.append(_row("dashboard", "≤ 100 ms", 100, _timed(client, "/", ctx), "/"))
    section.targets.append(_segment_row(ctx, client))
    section.targets.extend(_till_rows(ctx, client))
    for name, path in (("customer list", "/customers/"), ("customer card", card)):
        try:
            row, detail = _side_by_side(ctx, client, name, path)
        except Exception as error:  # the page's rows above stand even when the SQL capture breaks
            row, detail = (
                Row(f"{name} page", SIDE_TARGET, None, reference_name=SQL_LIMIT, note=f"failed: {error!r}"),
                "",
            )
        section.side_by_side.append(row)
        if detail:
            section.details.append(detail)
    try:
        section.details.append(lookups_detail(ctx))
    except Exception as error:  # the rows above stand even when a look-up cannot be explained
        section.details.append(f"Equality look-ups: failed: {error!r}")
    return section
