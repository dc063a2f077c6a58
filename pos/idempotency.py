"""Every write of a till carries a `client_id` of the till's choosing; a replay gets the first answer.

The contract (Stripe's and Square's): per terminal and `client_id`,
- the first request is performed and its answer (status and body) stored in the same
  transaction as the write;
- the same request again returns exactly that answer and writes nothing, even while the first
  one is still running (it waits for it);
- a different request under the same id is refused with 409 `client_id_reused`;
- a refused request (400, 404, 422 …) stores nothing, so the till may fix it and send it again.

"The same request" is the same method, endpoint (its URL name, with the path's arguments when it
has some) and body, compared by the sha256 of them in canonical JSON (keys sorted, no spaces), so
the order of keys and the spacing do not matter.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from pos.errors import ClientIdReused
from pos.models import IdempotentRequest
from sales.models import Terminal

REPLAYED_HEADER = "Idempotent-Replayed"


def request_hash(*, method: str, endpoint: str, body) -> str:
    canonical = json.dumps(
        {"method": method, "endpoint": endpoint, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        cls=JSONEncoder,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def json_ready(data):
    """The body as it will be stored and sent: plain JSON types only (Decimals and dates as the
    renderer writes them), so the first answer and every replay are the same."""
    return json.loads(json.dumps(data, cls=JSONEncoder, ensure_ascii=False))


def _key_claim(*, terminal: Terminal, client_id: str, hashed: str) -> tuple[int | None, IdempotentRequest | None]:
    """Insert the key row, or wait for and lock the one there: (id of the new row, None) when
    this request is the first with the key (the row stays locked until the transaction ends),
    else (None, the stored row)."""
    table = connection.ops.quote_name(IdempotentRequest._meta.db_table)
    while True:
        with connection.cursor() as cursor:
            # A concurrent insert of the same key blocks here until its transaction ends: after
            # a commit nothing is inserted, after a rollback this insert goes through.
            cursor.execute(
                f"INSERT INTO {table} (terminal_id, client_id, request_hash, created_at)"
                " VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (terminal_id, client_id) DO NOTHING RETURNING id",
                [terminal.pk, client_id, hashed, timezone.now()],
            )
            inserted = cursor.fetchone()
            if inserted is not None:
                return inserted[0], None
        stored = IdempotentRequest.objects.select_for_update().filter(terminal=terminal, client_id=client_id).first()
        if stored is not None:
            return None, stored
        # Purged between the two statements: claim it again.


def idempotent(
    *, terminal: Terminal, client_id: str, method: str, endpoint: str, body, perform: Callable[[], tuple[int, dict]]
) -> Response:
    """Answer a write once per (terminal, client_id).

    `perform` does the write and returns (status, body); it raises to refuse, which rolls the
    key row back together with anything it wrote.
    """
    hashed = request_hash(method=method, endpoint=endpoint, body=body)
    with transaction.atomic():
        key_id, stored = _key_claim(terminal=terminal, client_id=client_id, hashed=hashed)
        if stored is not None:
            if stored.request_hash != hashed:
                raise ClientIdReused()
            return Response(stored.response_body, status=stored.response_status, headers={REPLAYED_HEADER: "true"})
        status_code, data = perform()
        data = json_ready(data)
        IdempotentRequest.objects.filter(pk=key_id).update(response_status=status_code, response_body=data)
    return Response(data, status=status_code)


def idempotent_requests_purge(*, older_than) -> int:
    """Forget the answers given before `older_than` (a till retries within minutes or hours,
    not months). Returns how many were removed."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=older_than).delete()
    return deleted
