"""The terminal a till's token belongs to, on every request of the till's API."""

from crm.rows import JoinedSelect
from sales.models import Terminal

_BY_TOKEN_HASH = JoinedSelect(Terminal, "t0.token_hash = %s", joins=("store",))


def terminal_of_token(*, token: str) -> Terminal | None:
    """The terminal (with its store) whose token this is, active or revoked; None when unknown.
    One statement; only the token's hash is compared."""
    return _BY_TOKEN_HASH.first([Terminal.hash_token(token)])
