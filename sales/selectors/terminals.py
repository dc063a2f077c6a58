"""The terminal a till's token belongs to, on every request of the till's API."""

from django.db import connection

from crm import request_cache
from crm.rows import JoinedSelect
from sales.models import Terminal

_BY_TOKEN_HASH = JoinedSelect(Terminal, "t0.token_hash = %s", joins=("store",))


def terminal_of_token(*, token: str) -> Terminal | None:
    """The terminal (with its store) whose token this is, active or revoked; None when unknown.
    One statement (none in a request when this process read it under the request's stamp:
    crm.request_cache); only the token's hash is compared."""
    token_hash = Terminal.hash_token(token)
    key = ("terminal-of-token", connection.schema_name, token_hash)
    row = request_cache.cached(key, lambda: _BY_TOKEN_HASH.row([token_hash]))
    return None if row is None else _BY_TOKEN_HASH.instance(row)
