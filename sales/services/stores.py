"""Stores and their POS terminals (Settings → Stores and terminals).

A terminal authenticates to the till's API with a token of its own. The token is made here, shown
to the admin once and never stored: only its SHA-256 hash (to look the terminal up) and its first
eight characters (so that the admin can tell tokens apart) are kept.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.saving import unique_save
from sales.models import Store, Terminal
from tariffs.selectors import plan_limit_check

TOKEN_PREFIX_LENGTH = 8


def _text_clean(value: str, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _store_fields_clean(*, name: str, code: str, address: str, exclude_pk: int | None = None) -> dict:
    name = _text_clean(name, field="name", message=_("Enter the store's name."))
    code = _text_clean(code, field="code", message=_("Enter the store's code."))
    address = (address or "").strip()
    # Codes are compared without regard to case: "tln" and "TLN" on two reports would be one store to a person.
    if Store.objects.filter(code__iexact=code).exclude(pk=exclude_pk).exists():
        raise ValidationError({"code": _("A store with the code “%(code)s” already exists.") % {"code": code}})
    return {"name": name, "code": code, "address": address}


def _store_save(store: Store) -> Store:
    # Two admins saving the same code at once: the unique index decides.
    return unique_save(
        store, field="code", conflict=_("A store with the code “%(code)s” already exists.") % {"code": store.code}
    )


@transaction.atomic
def store_create(*, tenant, name: str, code: str, address: str = "", is_active: bool = True) -> Store:
    """Add a store. An active store counts against the plan's store limit: past it the store is
    refused (PlanLimitReached, a ValidationError) and nothing is written."""
    fields = _store_fields_clean(name=name, code=code, address=address)
    if is_active:
        plan_limit_check(tenant=tenant, resource="stores")
    return _store_save(Store(**fields, is_active=is_active))


@transaction.atomic
def store_update(*, tenant, store: Store, name: str, code: str, address: str = "", is_active: bool = True) -> Store:
    """Change a store's name, code, address or whether it is active. Making an inactive store
    active again counts against the plan's store limit like a new one."""
    fields = _store_fields_clean(name=name, code=code, address=address, exclude_pk=store.pk)
    was_active = Store.objects.filter(pk=store.pk).values_list("is_active", flat=True).get()
    if is_active and not was_active:
        plan_limit_check(tenant=tenant, resource="stores")
    for field, value in fields.items():
        setattr(store, field, value)
    store.is_active = is_active
    return _store_save(store)


def _token_new() -> tuple[str, str, str]:
    """A new random token, its hash and its prefix."""
    token = secrets.token_urlsafe(32)
    return token, Terminal.hash_token(token), token[:TOKEN_PREFIX_LENGTH]


@transaction.atomic
def terminal_create(*, tenant, store: Store, name: str) -> tuple[Terminal, str]:
    """Add a POS terminal to an active store and make its API token.

    Returns the terminal and the token; the token is not stored and cannot be shown again. An
    active terminal counts against the plan's terminal limit: past it nothing is written.
    """
    name = _text_clean(name, field="name", message=_("Enter the terminal's name."))
    if not Store.objects.filter(pk=store.pk, is_active=True).exists():
        raise ValidationError(
            _("The store “%(store)s” is not active: make it active before adding terminals.") % {"store": store.name}
        )
    plan_limit_check(tenant=tenant, resource="terminals")
    token, token_hash, prefix = _token_new()
    terminal = Terminal.objects.create(store=store, name=name, token_hash=token_hash, token_prefix=prefix)
    return terminal, token


@transaction.atomic
def terminal_rotate(*, terminal: Terminal) -> tuple[Terminal, str]:
    """Give an active terminal a new token. The old token stops working at once (its hash is
    replaced in the same row); returns the terminal and the new token, shown once."""
    locked = Terminal.objects.select_for_update(no_key=True).get(pk=terminal.pk)
    if not locked.is_active:
        raise ValidationError(_("A revoked terminal cannot get a new token: add a new terminal instead."))
    token, token_hash, prefix = _token_new()
    locked.token_hash = token_hash
    locked.token_prefix = prefix
    locked.save(update_fields=["token_hash", "token_prefix"])
    terminal.token_hash, terminal.token_prefix = token_hash, prefix
    return locked, token


@transaction.atomic
def terminal_revoke(*, terminal: Terminal) -> Terminal:
    """Switch a terminal off for good: its token stops working and it no longer counts against
    the plan. This cannot be undone; a till that needs access again gets a new terminal."""
    locked = Terminal.objects.select_for_update(no_key=True).get(pk=terminal.pk)
    if not locked.is_active:
        raise ValidationError(_("The terminal “%(name)s” is already revoked.") % {"name": locked.name})
    locked.is_active = False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["is_active", "revoked_at"])
    terminal.is_active, terminal.revoked_at = locked.is_active, locked.revoked_at
    return locked


def store_active_count() -> int:
    """Active stores: what the plan's store limit counts."""
    return Store.objects.filter(is_active=True).count()


def terminal_active_count() -> int:
    """Active (not revoked) terminals: what the plan's terminal limit counts."""
    return Terminal.objects.filter(is_active=True).count()
