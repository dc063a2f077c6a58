"""The till's API under load: sales with points accrual from 16 tills at once, card look-ups, the
ledger checked after, the sale's own SQL run by pgbench as the limit, and a profile of a worker.

The load is wrk's: one thread with one keep-alive connection per till, each its own token (set per
thread in the Lua script's setup), request bodies built in Lua. wrk stops by time (-d); a count
bound would not shorten its run (its main thread sleeps the whole duration), so the runs are bounded
by time only and the rate is counted from the 201 answers over wrk's measured duration.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from benchmarks.client import server_timing
from benchmarks.context import BenchContext
from benchmarks.results import Better, Limit, Row, Section, Stat
from benchmarks.servers import GUNICORN_WORKERS

SALE_OPERATION = "POS: register a sale of 5 lines with points accrual, 16 concurrent clients on loopback"
SALE_TARGET = "≥ 400 sales/s, p99 ≤ 100 ms, 0 points lost or doubled"
OFFER_OPERATION = (
    "POS: register a sale of 5 lines with points accrual and a campaign's points offer open to its customer, "
    "16 concurrent clients on loopback"
)
LOOKUP_OPERATION = "POS: look a customer up by card barcode"
LOOKUP_TARGET = "≥ 1,500 requests/s"
SIDE_OPERATION = "POS sale with accrual"
SIDE_REFERENCE = "the limit: pgbench running the same SQL statements the service issues"
SIDE_TARGET = "Regulars ≥ 0.25× pgbench's rate"

TILLS = 16
LINES = 5
REPLAYS = 50
REPLAY_TIMINGS: list[tuple[float, float, int]] = []  # (app ms, db ms, queries) of the replays' first sales
WRK_RESULT = re.compile(r"^WRKJSON (\{.*\})$", re.MULTILINE)

LUA_COMMON = r"""
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  thread:set("token", tokens[((counter - 1) % #tokens) + 1])
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  math.randomseed(id * 7919 + 17)
  n = 0
  ok = 0
  throttled = 0
  failed = 0
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Host"] = host
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Content-Type"] = "application/json"
end

function response(status, headers, body)
  if status == 200 or status == 201 then
    ok = ok + 1
  elseif status == 429 then
    throttled = throttled + 1
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_throttled, total_failed = 0, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_throttled = total_throttled + thread:get("throttled")
    total_failed = total_failed + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"ok":%d,"throttled":%d,"failed":%d,"socket_errors":%d,'
      .. '"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, total_ok, total_throttled, total_failed,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""

LUA_SALE = r"""
function request()
  n = n + 1
  local lines = {}
  for i = 1, lines_per_sale do
    lines[i] = '{"product":"' .. products[math.random(#products)] .. '","quantity":"' .. math.random(1, 3) .. '"}'
  end
  local body = '{"client_id":"' .. prefix .. id .. '-' .. n .. '","card":"' .. cards[math.random(#cards)]
    .. '","lines":[' .. table.concat(lines, ",") .. ']}'
  return wrk.format("POST", "/api/v1/sales/", nil, body)
end
"""

LUA_LOOKUP = r"""
function request()
  n = n + 1
  return wrk.format("GET", "/api/v1/cards/" .. cards[math.random(#cards)] .. "/")
end
"""


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    ok: int
    throttled: int
    failed: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class LedgerCheck:
    sales: int
    answered: int  # 201 answers of the load (+ the replays' first requests)
    with_customer: int
    without_earn: int
    earn_doubled: int
    duplicate_sales: int
    balance_mismatch: int
    replays: int
    replays_not_replayed: int
    in_flight: int  # requests wrk had sent when its time ran out: performed, never counted

    @property
    def problems(self) -> int:
        return (
            self.without_earn
            + self.earn_doubled
            + self.duplicate_sales
            + self.balance_mismatch
            + self.replays_not_replayed
            + max(self.answered - self.sales, 0)
            + max(self.sales - self.answered - self.in_flight, 0)
        )


def _lua_list(values) -> str:
    return "{" + ",".join(json.dumps(str(value)) for value in values) + "}"


def _wrk_script(ctx: BenchContext, body: str, *, prefix: str = "") -> str:
    head = [
        f"tokens = {_lua_list(ctx.tokens)}",
        f"cards = {_lua_list(ctx.fixture.card_numbers[:2000])}",
        f"products = {_lua_list(product.sku for product in ctx.fixture.products[:1000])}",
        f"host = {json.dumps(ctx.host)}",
        f"prefix = {json.dumps(prefix)}",
        f"lines_per_sale = {LINES}",
    ]
    return "\n".join(head) + "\n" + LUA_COMMON + body


def _wrk(ctx: BenchContext, script: str, seconds: int, name: str) -> WrkRun:
    path = ctx.artifacts / f"till-{name}.lua"
    path.write_text(script)
    command = ["wrk", "-t", str(TILLS), "-c", str(TILLS), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(path)]
    result = subprocess.run([*command, ctx.stack.base_url], capture_output=True, text=True, timeout=seconds + 60)
    found = WRK_RESULT.search(result.stdout)
    if found is None:
        raise RuntimeError(f"wrk gave no result: {result.stdout[-500:]} {result.stderr[-500:]}")
    data = json.loads(found.group(1))
    return WrkRun(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        ok=data["ok"],
        throttled=data["throttled"],
        failed=data["failed"],
        socket_errors=data["socket_errors"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
    )


def _throttle_note() -> tuple[str, float]:
    """What the per-terminal rate limit allows 16 tills (requests/s), as a sentence."""
    from pos.throttling import TerminalRateThrottle, rate_parse

    allowed, period = rate_parse(TerminalRateThrottle.rate)
    per_second = allowed / period * TILLS
    return (
        f"The API's per-terminal throttle is {TerminalRateThrottle.rate} here (crm.settings.bench; the "
        f"deployment's default 600/min would let {TILLS} tills make at most 160 requests/s), so {TILLS} tills may "
        f"make up to {per_second:,.0f} requests/s",
        per_second,
    )


def _max_sale_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM sales_salesdocument")
        return cursor.fetchone()[0]


def _sale_body(ctx: BenchContext, client_id: str, index: int) -> dict:
    products = ctx.fixture.products
    cards = ctx.fixture.card_numbers
    return {
        "client_id": client_id,
        "card": cards[(index * 7) % len(cards)],
        "lines": [
            {"product": products[(index * 5 + line) % len(products)].sku, "quantity": str(1 + line % 3)}
            for line in range(LINES)
        ],
    }


def _replays(ctx: BenchContext, prefix: str, count: int) -> tuple[int, int, int]:
    """Send `count` sales twice each (the second time while the first may still run, from another
    thread): (first answers 201, replays, replays not answered as replays of the same answer)."""
    session_headers = {"Host": ctx.host, "Content-Type": "application/json"}
    created = replayed = wrong = 0
    lock = threading.Lock()
    timings = REPLAY_TIMINGS

    def send(index: int) -> None:
        nonlocal created, replayed, wrong
        token = ctx.tokens[index % len(ctx.tokens)]
        headers = {**session_headers, "Authorization": f"Bearer {token}"}
        body = json.dumps(_sale_body(ctx, f"{prefix}{index}", index))
        answers: list[requests.Response] = []

        def post() -> None:
            for _ in range(20):
                answer = requests.post(f"{ctx.stack.base_url}/api/v1/sales/", data=body, headers=headers, timeout=30)
                if answer.status_code != 429:
                    break
                time.sleep(float(answer.headers.get("Retry-After", "1")))
            answers.append(answer)
            if answer.status_code == 201 and not answer.headers.get("Idempotent-Replayed"):
                timings.append(server_timing(answer.headers.get("Server-Timing", "")))

        first = threading.Thread(target=post)
        first.start()
        if index % 2:
            first.join()  # half strictly after, half at the same time
        post()
        first.join()
        statuses = sorted(answer.status_code for answer in answers)
        with lock:
            created += statuses.count(201) and 1
            replayed += 1
            same = len({answer.content for answer in answers}) == 1
            flagged = sum(1 for answer in answers if answer.headers.get("Idempotent-Replayed")) == 1
            if statuses != [201, 201] or not same or not flagged:
                wrong += 1

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for batch in range(0, len(threads), 8):
        for thread in threads[batch : batch + 8]:
            thread.start()
        for thread in threads[batch : batch + 8]:
            thread.join()
    return created, replayed, wrong


def _ledger_check(after_id: int, prefix: str, answered: int, replays: int, wrong: int, runs: int) -> LedgerCheck:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH run AS (
                SELECT id, customer_id, terminal_id, client_id FROM sales_salesdocument
                WHERE id > %s AND client_id LIKE %s
            ), earn AS (
                SELECT r.id, r.customer_id, count(e.id) AS entries
                FROM run r LEFT JOIN loyalty_pointsentry e ON e.sale_id = r.id AND e.kind = 'earn'
                GROUP BY r.id, r.customer_id
            )
            SELECT
                (SELECT count(*) FROM run),
                (SELECT count(*) FROM run WHERE customer_id IS NOT NULL),
                (SELECT count(*) FROM earn WHERE customer_id IS NOT NULL AND entries = 0),
                (SELECT count(*) FROM earn WHERE entries > 1),
                (SELECT count(*) FROM (SELECT 1 FROM run GROUP BY terminal_id, client_id HAVING count(*) > 1) d),
                (SELECT count(*) FROM loyalty_pointsaccount a
                 WHERE a.customer_id IN (SELECT customer_id FROM run)
                   AND a.balance <> (SELECT coalesce(sum(e.points), 0) FROM loyalty_pointsentry e
                                     WHERE e.customer_id = a.customer_id))
            """,
            [after_id, prefix + "%"],
        )
        sales, with_customer, without_earn, doubled, duplicates, mismatch = cursor.fetchone()
    in_flight = TILLS * (runs + 1)
    return LedgerCheck(
        sales, answered, with_customer, without_earn, doubled, duplicates, mismatch, replays, wrong, in_flight
    )


def _timing_note() -> str:
    if not REPLAY_TIMINGS:
        return ""
    app = Stat.of("ms", [timing[0] for timing in REPLAY_TIMINGS])
    sql = Stat.of("ms", [timing[1] for timing in REPLAY_TIMINGS])
    queries = max(timing[2] for timing in REPLAY_TIMINGS)
    return (
        f"Server time of those sales (Server-Timing, 8 at once): median {app.median:.0f} ms, of which SQL "
        f"{sql.median:.0f} ms in {queries} queries."
    )


# --- the sale's SQL, for pgbench ---------------------------------------------------------------

QUOTED = re.compile(r"'(?:[^']|'')*'")
RETURNING = re.compile(r'^INSERT INTO "(\w+)".*RETURNING (?:"\w+"\.)?"?id"?$', re.DOTALL)
ARRAY = re.compile(r"^'\{[\w,:]*\}'$")


def _outside_quotes(sql: str, replace) -> str:
    """`replace` applied to the parts of `sql` outside string literals."""
    parts, last = [], 0
    for match in QUOTED.finditer(sql):
        parts.append(replace(sql[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(replace(sql[last:]))
    return "".join(parts)


def _number_replace(sql: str, number: int, variable: str) -> str:
    """`number` replaced by `variable` outside string literals and inside integer array literals
    (the '{1,2}' of a bulk insert's UNNEST)."""
    pattern = re.compile(rf"(?<![\w.:]){number}(?![\w.])")
    parts, last = [], 0
    for match in QUOTED.finditer(sql):
        parts.append(pattern.sub(variable, sql[last : match.start()]))
        literal = match.group(0)
        parts.append(pattern.sub(variable, literal) if ARRAY.match(literal) else literal)
        last = match.end()
    parts.append(pattern.sub(variable, sql[last:]))
    return "".join(parts)


def _table_max_ids(tables: list[str]) -> dict[str, int]:
    found = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
            found[table] = cursor.fetchone()[0]
    return found


def _card_range() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM loyalty_card WHERE status = 'active' AND customer_id IS NOT NULL")
        return cursor.fetchone()


def _captured(request) -> tuple[object, list[str]]:
    """The answer of `request()` and the SQL it ran."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        answer = request()
    return answer, [query["sql"] for query in captured.captured_queries]


def _unthrottled(send) -> tuple:
    """`send()` (a tuple, the answer first) again a second later while the answer is 429, at most
    90 times: the load may have used the terminal's window up."""
    for _ in range(90):
        sent = send()
        if sent[0].status_code != 429:
            break
        time.sleep(1)
    return sent


def _capture_sale(ctx: BenchContext) -> tuple[list[str], dict, dict[str, list[int]], dict[str, int]]:
    """One sale through django.test.Client with its SQL captured: (statements, body, the ids each
    table got, the ids before)."""
    from django.test import Client

    tables = [
        "sales_salesdocument",
        "sales_salesline",
        "loyalty_pointsentry",
        "pos_idempotentrequest",
    ]
    client = Client(HTTP_HOST=ctx.host)

    def sale(prefix: str):
        body = _sale_body(ctx, f"{prefix}{uuid.uuid4().hex[:12]}", 3)
        request = functools.partial(
            client.post,
            "/api/v1/sales/",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {ctx.tokens[0]}",
        )
        return (*_captured(request), body)

    # As a till's every sale but its first after a change of settings: this process's copy of the
    # retailer's settings (crm.tenant_config) is read by a sale that is not captured.
    _unthrottled(lambda: sale("bench-capture-warm-"))
    with schema_context(ctx.schema):
        present = set(connection.introspection.table_names())
        tables = [table for table in tables if table in present]
        before = _table_max_ids(tables)
    connection.close()
    answer, statements, body = _unthrottled(lambda: sale("bench-capture-"))
    if answer.status_code != 201:
        raise RuntimeError(f"the captured sale was refused: {answer.status_code} {answer.content[:300]!r}")
    with schema_context(ctx.schema):
        new_ids = {}
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'SELECT id FROM "{table}" WHERE id > %s ORDER BY id', [before[table]])
                new_ids[table] = [row[0] for row in cursor.fetchall()]
        card_customer = {}
        with connection.cursor() as cursor:
            cursor.execute("SELECT customer_id FROM loyalty_card WHERE number = %s", [body["card"]])
            card_customer["customer_id"] = cursor.fetchone()[0]
    connection.close()
    return statements, body, new_ids, card_customer


def pgbench_script(statements: list[str], body: dict, new_ids: dict[str, list[int]], customer_id: int, cards) -> str:
    """The captured statements as one pgbench transaction: a random active card (and so customer)
    per transaction, a unique client_id, RETURNING ids taken with \\gset and used by the later
    statements in place of the captured ones."""
    card_low, card_high = cards
    lines = [
        f"\\set card_id random({card_low}, {card_high})",
        "\\set cid random(1, 1000000000000)",
        "SELECT customer_id AS cust, number AS card FROM loyalty_card WHERE id >= :card_id AND status = 'active' "
        "AND customer_id IS NOT NULL ORDER BY id LIMIT 1 \\gset",
    ]
    # The service's own BEGIN and COMMIT are among the statements when it opens a transaction.
    wrapped = not any(" ".join(sql.split()).upper() == "BEGIN" for sql in statements)
    if wrapped:
        lines.append("BEGIN;")
    client_id = body["client_id"]
    taken = {table: 0 for table in new_ids}
    replacements: list[tuple[int, str]] = [(customer_id, ":cust")]
    for number, sql in enumerate(statements):
        text = " ".join(sql.split())
        # Django casts a bulk insert's arrays to the smallest type of the captured ids: widen them.
        text = text.replace("::int2[]", "::int8[]").replace("::int4[]", "::int8[]")
        text = text.replace(client_id, "pgb-:client_id-:cid").replace(f"'{body['card']}'", "':card'")
        for value, variable in replacements:
            # The idempotency key's id is only ever used on its own table (small ids collide).
            if variable.startswith(":key") and "pos_idempotentrequest" not in text:
                continue
            text = _number_replace(text, value, variable)
        if text.startswith('INSERT INTO "loyalty_pointsentry"'):
            # The ledger's trigger checks balance_after: the balance the service read, plus the points.
            text = re.sub(
                r"VALUES \(:cust, '(\w+)', (-?\d+), -?\d+,",
                r"VALUES (:cust, '\1', \2, coalesce((SELECT balance FROM loyalty_pointsaccount"
                r" WHERE customer_id = :cust), 0) + \2,",
                text,
            )
        inserted = RETURNING.match(text)
        if inserted and inserted.group(1) in new_ids:
            table = inserted.group(1)
            arrays = re.search(r"UNNEST\(\('\{([^}]*)\}'", text)
            rows = len(arrays.group(1).split(",")) if arrays else text.count("), (") + 1
            ids = new_ids[table][taken[table] : taken[table] + rows]
            taken[table] += rows
            stem = "key" if table == "pos_idempotentrequest" else "r"
            names = [f"{stem}{number}_{index}" for index in range(len(ids))]
            columns = ", ".join(
                f"(array_agg(id ORDER BY id))[{index + 1}] AS {name}" for index, name in enumerate(names)
            )
            text = f"WITH ins AS ({text}) SELECT {columns} FROM ins \\gset" if names else text + ";"
            lines.append(text)
            replacements.extend((value, f":{name}") for value, name in zip(ids, names, strict=True))
            continue
        lines.append(text + ";")
    if wrapped:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _pgbench(ctx: BenchContext, script: Path, seconds: int) -> tuple[float, str]:
    env = {"PGOPTIONS": f"-c search_path={ctx.schema},public", "PATH": "/usr/bin:/bin"}
    command = ["pgbench", "-n", "-c", str(TILLS), "-j", "2", "-T", str(seconds), "-f", str(script)]
    command += ["-h", "127.0.0.1", "-p", str(ctx.postgres_port), "-U", "postgres", "regulars"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds + 120)
    output = result.stdout + result.stderr
    found = re.search(r"tps = ([0-9.]+)", output)
    if found is None or "aborted" in output:
        raise RuntimeError(f"pgbench failed: {output[-1500:]}")
    return float(found.group(1)), output


def _pgbench_runs(ctx: BenchContext, script: Path, text: str, seconds: int, runs: int, unit: str) -> tuple[Stat, str]:
    """The script written and run `runs` times: the rates, and the last run's output."""
    script.write_text(text)
    samples = []
    output = ""
    for _ in range(runs):
        tps, output = _pgbench(ctx, script, seconds)
        samples.append(tps)
    return Stat.of(unit, samples), output


# --- the profile --------------------------------------------------------------------------------

FRAME_LINE = re.compile(r":\d+\)$")


def _profile_start(ctx: BenchContext, seconds: int, name: str) -> subprocess.Popen | None:
    processes = ctx.stack.web.processes() if ctx.stack.web else []
    if len(processes) < 2:
        return None
    worker = processes[1].pid
    py_spy = ctx.root / ".venv-bench" / "bin" / "py-spy"
    command = [str(py_spy), "record", "--pid", str(worker), "--duration", str(seconds), "--format", "raw"]
    command += ["-o", str(ctx.artifacts / name), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _profile_end(ctx: BenchContext, profiler: subprocess.Popen | None, name: str) -> str:
    """The profile's table once py-spy is done, or why there is none."""
    if profiler is None:
        return "No profile: py-spy did not run."
    _, errors = profiler.communicate(timeout=120)
    profile = ctx.artifacts / name
    if profiler.returncode == 0 and profile.exists():
        return profile_table(profile)
    return f"No profile: py-spy failed: {errors[-300:]}"


def profile_table(path: Path, top: int = 15) -> str:
    """The functions with the most samples (total: on the stack; self: at its top) of py-spy's
    collapsed stacks, as a Markdown table."""
    total: Counter[str] = Counter()
    own: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [FRAME_LINE.sub(")", frame) for frame in stack.split(";")]
        samples += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            total[frame] += int(count)
    if not samples:
        return "The profile has no samples."
    rows = ["| function | total % | self % |", "| --- | ---: | ---: |"]
    for frame, count in total.most_common():
        # The trunk every request runs through (gunicorn, the handler, each middleware) says nothing.
        if count >= 0.95 * samples or "gunicorn/" in frame or "runpy" in frame:
            continue
        rows.append(f"| `{frame}` | {100 * count / samples:.1f} | {100 * own[frame] / samples:.1f} |")
        if len(rows) >= top + 2:
            break
    self_rows = ["| function (self) | self % |", "| --- | ---: |"]
    for frame, count in own.most_common(top):
        self_rows.append(f"| `{frame}` | {100 * count / samples:.1f} |")
    return "\n".join(rows) + f"\n\n{samples} samples.\n\n" + "\n".join(self_rows)


# --- the section -------------------------------------------------------------------------------


def measure(ctx: BenchContext) -> Section:
    section = Section("Till (POS API)")
    sale_seconds = 3 if ctx.smoke else 30
    lookup_seconds = 2 if ctx.smoke else 15
    runs = 1 if ctx.smoke else ctx.runs
    throttle, throttle_rate = _throttle_note()
    prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    tokens_note = f"{len(set(ctx.tokens))} tokens for {TILLS} tills" + (
        " (shared round-robin)" if len(set(ctx.tokens)) < TILLS else ""
    )
    setup = (
        f"gunicorn {GUNICORN_WORKERS} sync workers (benchmarks/servers.py, as docker-compose.yml); wrk "
        f"{TILLS} threads × 1 keep-alive connection, {tokens_note}; {sale_seconds} s per run."
    )

    with schema_context(ctx.schema):
        first_id = _max_sale_id()
    connection.close()

    # A first short run that is not counted: the workers import what the API needs on first use.
    warm_up = _wrk(ctx, _wrk_script(ctx, LUA_SALE, prefix=f"{prefix}warm-"), 1, "sales")
    sale_runs: list[WrkRun] = []
    profile_text = ""
    for run in range(runs):
        profiler = _profile_start(ctx, max(sale_seconds - 1, 1), "till-profile.txt") if run == 0 else None
        sale_runs.append(_wrk(ctx, _wrk_script(ctx, LUA_SALE, prefix=f"{prefix}r{run}-"), sale_seconds, "sales"))
        if run == 0:
            profile_text = _profile_end(ctx, profiler, "till-profile.txt")

    created, replays, wrong = _replays(ctx, f"{prefix}replay-", 20 if ctx.smoke else REPLAYS)
    with schema_context(ctx.schema):
        answered = warm_up.ok + sum(run.ok for run in sale_runs) + created
        check = _ledger_check(first_id, prefix, answered, replays, wrong, runs)
    connection.close()

    throughput = Stat.of("sales/s", [run.rate for run in sale_runs])
    latency = Stat.of("ms", [run.p99_ms for run in sale_runs])
    throttled = sum(run.throttled for run in sale_runs)
    failed = sum(run.failed + run.socket_errors for run in sale_runs)
    capped = throttle_rate < 400
    load_note = (
        f"{setup} {sum(run.ok for run in sale_runs)} sales answered 201, {throttled} throttled (429), "
        f"{failed} other errors; the rate counts 201s only, latency covers every answer. {throttle}"
        + (": below 400/s, so this figure measures the throttle, not the service." if capped else ".")
    )
    section.targets.append(
        Row(SALE_OPERATION, SALE_TARGET, throughput, limit=Limit(400, Better.HIGHER, "median"), note=load_note)
    )
    section.targets.append(
        Row(
            SALE_OPERATION + " — p99 latency",
            "p99 ≤ 100 ms",
            latency,
            limit=Limit(100, Better.LOWER, "p99"),
            note=f"wrk's latency distribution, p99 of each run; p50 {sale_runs[0].p50_ms:.1f} ms, "
            f"max {max(run.max_ms for run in sale_runs):.1f} ms.",
        )
    )
    section.targets.append(
        Row(
            SALE_OPERATION + " — points lost or doubled",
            "0 points lost or doubled",
            Stat.of("problems", [check.problems]),
            limit=Limit(0, Better.LOWER, "max"),
            note=(
                f"{check.sales} sales stored for {check.answered} 201 answers (up to {check.in_flight} more may "
                f"be in flight when wrk stops), {check.with_customer} of a customer; "
                f"{check.without_earn} without an earn entry, {check.earn_doubled} with more than one, "
                f"{check.duplicate_sales} duplicate (terminal, client_id), {check.balance_mismatch} accounts whose "
                f"balance ≠ the sum of their entries; {check.replays} requests sent twice (half at once): "
                f"{check.replays_not_replayed} not answered once plus one identical replay. " + _timing_note()
            ),
        )
    )

    offer_rows = _offer_rows(ctx, prefix, sale_seconds, runs, setup)
    section.targets.extend(offer_rows)

    lookups: list[WrkRun] = []
    lookup_profile = ""
    for run in range(runs):
        profiler = _profile_start(ctx, max(lookup_seconds - 1, 1), "till-lookup-profile.txt") if run == 0 else None
        lookups.append(_wrk(ctx, _wrk_script(ctx, LUA_LOOKUP), lookup_seconds, "lookups"))
        if run == 0:
            lookup_profile = _profile_end(ctx, profiler, "till-lookup-profile.txt")
    lookup_rate = Stat.of("requests/s", [run.rate for run in lookups])
    try:
        lookup_limit, lookup_detail = _lookup_limit(ctx, runs)
        limit_note = (
            f" The limit, pgbench running the look-up's own statements: {lookup_limit.median:,.0f} requests/s "
            f"(Regulars {lookup_rate.median / lookup_limit.median:.2f}× of it; the detail below)."
        )
    except Exception as error:  # the limit's failure leaves the target measured
        lookup_detail, limit_note = "", f" The limit could not be measured: {error!r}."
    section.targets.append(
        Row(
            LOOKUP_OPERATION,
            LOOKUP_TARGET,
            lookup_rate,
            limit=Limit(1500, Better.HIGHER, "median"),
            note=(
                f"GET /api/v1/cards/<number>/, wrk {TILLS} connections, random numbers of "
                f"{min(2000, len(ctx.fixture.card_numbers))} active cards, {lookup_seconds} s per run; "
                f"{sum(run.ok for run in lookups)} answered 200, {sum(run.throttled for run in lookups)} "
                f"throttled, {sum(run.failed for run in lookups)} other; p99 {lookups[0].p99_ms:.1f} ms. {throttle}"
                + (": below 1,500/s, so the throttle caps this figure." if throttle_rate < 1500 else ".")
                + limit_note
            ),
        )
    )

    try:
        section.details.append(_side_by_side(ctx, section, throughput, runs, capped))
    except Exception as error:  # the limit's failure leaves the targets measured
        section.side_by_side.append(
            Row(SIDE_OPERATION, SIDE_TARGET, throughput, reference_name=SIDE_REFERENCE, note=f"failed: {error!r}")
        )
    if lookup_detail:
        section.details.append(lookup_detail)
    section.details.append(f"**Profile of one gunicorn worker during the first sales run** (py-spy):\n\n{profile_text}")
    section.details.append(
        f"**Profile of one gunicorn worker during the first card look-up run** (py-spy):\n\n{lookup_profile}"
    )
    return section


def _offer_open(ctx: BenchContext) -> int:
    """A sent campaign doubling the points of the customers of the till's cards for a day: a row
    per customer, sent a minute ago, so that the sale's offer step writes its extra entry on every
    sale. Its id."""
    from campaigns.models import Campaign, Segment

    with schema_context(ctx.schema):
        name = f"Bench offer {uuid.uuid4().hex[:8]}"
        segment = Segment.objects.create(name=name, definition={"groups": []})
        campaign = Campaign.objects.create(
            name=name,
            segment=segment,
            status=Campaign.Status.SENT,
            holdout_percent=0,
            offer=Campaign.Offer.MULTIPLIER,
            points_multiplier=2,
            offer_days=1,
            started_at=timezone.now() - datetime.timedelta(minutes=2),
            finished_at=timezone.now() - datetime.timedelta(minutes=1),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO campaigns_recipient
                       (campaign_id, customer_id, "group", reason, state, address, language, error, sent_at,
                        rfm_segment)
                   SELECT DISTINCT %s, customer_id, 'recipient', '', 'sent', '', '', '', now() - interval '1 minute',
                          ''
                   FROM loyalty_card WHERE number = ANY(%s) AND customer_id IS NOT NULL""",
                [campaign.pk, list(ctx.fixture.card_numbers[:2000])],
            )
    connection.close()
    return campaign.pk


def _offer_close(ctx: BenchContext, campaign_id: int, prefix: str) -> tuple[int, int, int]:
    """Close the bench's offer (its window moved into the past) and count, over the sales sent
    while it was open to their customer: those that earned, those with the campaign's entry, and
    those with more than one."""
    with schema_context(ctx.schema), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE campaigns_campaign SET started_at = now() - interval '3 days' WHERE id = %s", [campaign_id]
        )
        cursor.execute(
            """SELECT count(*) FILTER (WHERE earned > 0), count(*) FILTER (WHERE extra = 1),
                      count(*) FILTER (WHERE extra > 1)
               FROM (
                   SELECT (SELECT coalesce(sum(points), 0) FROM loyalty_pointsentry
                           WHERE sale_id = sale.id AND kind = 'earn') AS earned,
                          (SELECT count(*) FROM loyalty_pointsentry
                           WHERE sale_id = sale.id AND once_key = 'campaign:' || %s || ':' || sale.id) AS extra
                   FROM sales_salesdocument sale
                   WHERE sale.client_id LIKE %s
                     AND sale.customer_id IN (SELECT customer_id FROM campaigns_recipient WHERE campaign_id = %s)
               ) AS sales""",
            [campaign_id, f"{prefix}offer-%", campaign_id],
        )
        earned, extra, doubled = cursor.fetchone()
    connection.close()
    return earned, extra, doubled


def _offer_rows(ctx: BenchContext, prefix: str, seconds: int, runs: int, setup: str) -> list[Row]:
    """The sale again with a campaign's offer open to every customer the tills sell to: what the
    offer's step (a look-up of the customer's campaigns, an extra ledger entry) costs the till."""
    campaign_id = _offer_open(ctx)
    try:
        _wrk(ctx, _wrk_script(ctx, LUA_SALE, prefix=f"{prefix}offer-warm-"), 1, "sales-offer")
        offer_runs = [
            _wrk(ctx, _wrk_script(ctx, LUA_SALE, prefix=f"{prefix}offer-r{run}-"), seconds, "sales-offer")
            for run in range(runs)
        ]
    finally:
        earned, extra, doubled = _offer_close(ctx, campaign_id, prefix)
    throughput = Stat.of("sales/s", [run.rate for run in offer_runs])
    note = (
        f"{setup} A sent campaign doubles the points of every customer of the tills' cards (a recipient row each, "
        f"its message sent). {sum(run.ok for run in offer_runs)} sales answered 201; p99 "
        f"{max(run.p99_ms for run in offer_runs):.1f} ms; of the {earned} sales during the offer that earned "
        f"points, {extra} carry the campaign's extra entry, {doubled} more than one."
    )
    return [
        Row(OFFER_OPERATION, SALE_TARGET, throughput, limit=Limit(400, Better.HIGHER, "median"), note=note),
        Row(
            OFFER_OPERATION + " — extra points missing or doubled",
            "0 missing or doubled",
            Stat.of("problems", [(earned - extra) + doubled]),
            limit=Limit(0, Better.LOWER, "max"),
            note=note,
        ),
    ]


def _capture_lookup(ctx: BenchContext, number: str) -> list[str]:
    """The SQL of one GET /api/v1/cards/<number>/ through django.test.Client."""
    from django.test import Client

    client = Client(HTTP_HOST=ctx.host)
    path = f"/api/v1/cards/{number}/"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {ctx.tokens[0]}"}
    client.get(path, **headers)  # the first request of a process reads what later ones keep
    answer, statements = _unthrottled(lambda: _captured(functools.partial(client.get, path, **headers)))
    connection.close()
    if answer.status_code != 200:
        raise RuntimeError(f"the captured look-up was refused: {answer.status_code} {answer.content[:300]!r}")
    return statements


def _lookup_limit(ctx: BenchContext, runs: int) -> tuple[Stat, str]:
    """The look-up's captured SQL run by pgbench, a random active card per transaction: the rate
    and the detail. BENCHMARKS sets no ratio for the look-up; the figure shows what the database
    alone would allow."""
    number = ctx.fixture.card_numbers[0]
    statements = _capture_lookup(ctx, number)
    with schema_context(ctx.schema):
        card_low, card_high = _card_range()
    connection.close()
    lines = [
        f"\\set card_id random({card_low}, {card_high})",
        "SELECT number AS card FROM loyalty_card WHERE id >= :card_id AND status = 'active' "
        "AND customer_id IS NOT NULL ORDER BY id LIMIT 1 \\gset",
    ]
    lines += [" ".join(sql.split()).replace(f"'{number}'", "':card'") + ";" for sql in statements]
    script_text = "\n".join(lines) + "\n"
    script = ctx.artifacts / "till-lookup.pgbench.sql"
    limit_stat, output = _pgbench_runs(ctx, script, script_text, 3 if ctx.smoke else 15, runs, "requests/s")
    latency_line = next((line for line in output.splitlines() if "latency average" in line), "")
    return limit_stat, (
        f"**The card look-up's SQL** ({len(statements)} statements per request, captured from the second request "
        f"of a process, which keeps the retailer of the host name and the terminal of the token: crm.request_cache; "
        f"the card with its type, successor, customer and points balance). pgbench "
        f"{latency_line.strip()}. The script (`{script.name}` in the artifacts):\n\n```sql\n{script_text}```"
    )


def _side_by_side(ctx: BenchContext, section: Section, throughput: Stat, runs: int, capped: bool) -> str:
    """The sale's captured SQL run by pgbench; adds the row, returns the detail."""
    statements, body, new_ids, card_customer = _capture_sale(ctx)
    (ctx.artifacts / "till-sale-captured.sql").write_text(";\n".join(statements) + ";\n")
    with schema_context(ctx.schema):
        cards = _card_range()
    connection.close()
    script_text = pgbench_script(statements, body, new_ids, card_customer["customer_id"], cards)
    script = ctx.artifacts / "till-sale.pgbench.sql"
    pgbench_seconds = 3 if ctx.smoke else 20
    limit_stat, pgbench_output = _pgbench_runs(ctx, script, script_text, pgbench_seconds, runs, "sales/s")
    ratio = throughput.median / limit_stat.median if limit_stat.median else None
    section.side_by_side.append(
        Row(
            SIDE_OPERATION,
            SIDE_TARGET,
            throughput,
            reference_name=SIDE_REFERENCE,
            reference=limit_stat,
            ratio=ratio,
            met=ratio is not None and ratio >= 0.25,
            note=(
                f"{len(statements)} SQL statements per sale (captured from one POST /api/v1/sales/); pgbench -c "
                f"{TILLS} -j 2 -T {pgbench_seconds}, one transaction per sale."
                + (" The Regulars figure is capped by the throttle." if capped else "")
            ),
        )
    )

    shown = script_text if len(script_text) < 6000 else script_text[:6000] + "\n… (shortened)\n"
    latency_line = next((line for line in pgbench_output.splitlines() if "latency average" in line), "")
    return (
        f"**The sale's SQL** ({len(statements)} statements per sale, as the service issues them in one "
        f"POST /api/v1/sales/ after a first one (the retailer and the terminal kept by the process), the "
        f"idempotency key, the sale, its lines, the "
        f"ledger; the card and customer drawn at random per transaction, one extra indexed SELECT). pgbench "
        f"{latency_line.strip()}. The script (`{script.name}` in the artifacts):\n\n```sql\n{shown}```"
    )
