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
from sales.events import (
    STORE_FIELDS,
    changes_between,
    fields_of,
    store_changed_event,
    store_created_event,
    terminal_created_event,
    terminal_revoked_event,
    terminal_rotated_event,
)
from sales.models import Store, Terminal
from staff.models import User
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
def store_create(
    *, tenant, name: str, code: str, address: str = "", is_active: bool = True, acting_user: User | None = None
) -> Store:
    """Add a store (and its "added" event). An active store counts against the plan's store
    limit: past it the store is refused (PlanLimitReached, a ValidationError) and nothing is
    written."""
    fields = _store_fields_clean(name=name, code=code, address=address)
    if is_active:
        plan_limit_check(tenant=tenant, resource="stores")
    store = _store_save(Store(**fields, is_active=is_active))
    store_created_event(store=store, acting_user=acting_user)
    return store


@transaction.atomic
def store_update(
    *,
    tenant,
    store: Store,
    name: str,
    code: str,
    address: str = "",
    is_active: bool = True,
    acting_user: User | None = None,
) -> Store:
    """Change a store's name, code, address or whether it is active, with an event naming what
    changed (none when nothing did). Making an inactive store active again counts against the
    plan's store limit like a new one."""
    fields = _store_fields_clean(name=name, code=code, address=address, exclude_pk=store.pk)
    stored = Store.objects.select_for_update(no_key=True).get(pk=store.pk)
    if is_active and not stored.is_active:
        plan_limit_check(tenant=tenant, resource="stores")
    for field, value in fields.items():
        setattr(store, field, value)
    store.is_active = is_active
    _store_save(store)
    changes = changes_between(fields_of(stored, STORE_FIELDS), fields_of(store, STORE_FIELDS))
    if changes:
        store_changed_event(store=store, changes=changes, acting_user=acting_user)
    return store


def _token_new() -> tuple[str, str, str]:
    """A new random token, its hash and its prefix."""
    token = secrets.token_urlsafe(32)
    return token, Terminal.hash_token(token), token[:TOKEN_PREFIX_LENGTH]


@transaction.atomic
def terminal_create(*, tenant, store: Store, name: str, acting_user: User | None = None) -> tuple[Terminal, str]:
    """Add a POS terminal to an active store and make its API token (with an event naming who).

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
    terminal_created_event(terminal=terminal, acting_user=acting_user)
    return terminal, token


@transaction.atomic
def terminal_rotate(*, terminal: Terminal, acting_user: User | None = None) -> tuple[Terminal, str]:
    """Give an active terminal a new token, with an event naming who. The old token stops working
    at once (its hash is replaced in the same row); returns the terminal and the new token, shown
    once."""
    locked = Terminal.objects.select_for_update(no_key=True).get(pk=terminal.pk)
    if not locked.is_active:
        raise ValidationError(_("A revoked terminal cannot get a new token: add a new terminal instead."))
    token, token_hash, prefix = _token_new()
    old_prefix = locked.token_prefix
    locked.token_hash = token_hash
    locked.token_prefix = prefix
    locked.save(update_fields=["token_hash", "token_prefix"])
    terminal_rotated_event(terminal=locked, old_token_prefix=old_prefix, acting_user=acting_user)
    terminal.token_hash, terminal.token_prefix = token_hash, prefix
    return locked, token


@transaction.atomic
def terminal_revoke(*, terminal: Terminal, acting_user: User | None = None) -> Terminal:
    """Switch a terminal off for good, with an event naming who: its token stops working and it
    no longer counts against the plan. This cannot be undone; a till that needs access again gets
    a new terminal."""
    locked = Terminal.objects.select_for_update(no_key=True).get(pk=terminal.pk)
    if not locked.is_active:
        raise ValidationError(_("The terminal “%(name)s” is already revoked.") % {"name": locked.name})
    locked.is_active = False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["is_active", "revoked_at"])
    terminal_revoked_event(terminal=locked, acting_user=acting_user)
    terminal.is_active, terminal.revoked_at = locked.is_active, locked.revoked_at
    return locked


def store_active_count() -> int:
    """Active stores: what the plan's store limit counts."""
    return Store.objects.filter(is_active=True).count()


def terminal_active_count() -> int:
    """Active (not revoked) terminals: what the plan's terminal limit counts."""
    return Terminal.objects.filter(is_active=True).count()
