"""One function per change of sales settings that a retailer may ask "who did this?" about:
stores, POS terminals and their tokens, price lists and their special prices, products. Each
writes one SalesEvent in the caller's transaction; `changes` holds {field: [old, new]} (old None
for what was just made), as plain JSON values."""

import datetime
from decimal import Decimal

from django.db import models

from sales.models import PriceList, PriceListItem, Product, SalesEvent, Store, Terminal
from staff.models import User

STORE_FIELDS = ("name", "code", "address", "is_active")
PRICE_LIST_FIELDS = ("name", "valid_from", "valid_to")
PRICE_LIST_ITEM_FIELDS = ("product", "product_group", "fixed_price", "percent_off")
PRODUCT_FIELDS = ("sku", "ean", "name", "group", "list_price", "vat_rate", "is_active")


def _plain(value):
    """`value` as JSON can hold it and a person can read it."""
    if isinstance(value, datetime.date | Decimal | models.Model):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_plain(item) for item in value)
    return value


def fields_of(instance: models.Model, fields: tuple[str, ...]) -> dict:
    """The values of `fields` on `instance`, as the events store them (to compare before and
    after): a decimal with its field's places, as the database keeps it ("22" is "22.00")."""
    values = {}
    for field in fields:
        value = getattr(instance, field)
        model_field = instance._meta.get_field(field)
        if isinstance(value, Decimal) and isinstance(model_field, models.DecimalField):
            value = value.quantize(Decimal(1).scaleb(-model_field.decimal_places))
        values[field] = _plain(value)
    return values


def changes_between(before: dict, after: dict) -> dict:
    """{field: [old, new]} of the fields whose value differs."""
    return {field: [before.get(field), value] for field, value in after.items() if before.get(field) != value}


def _created(values: dict) -> dict:
    return {field: [None, value] for field, value in values.items() if value not in (None, "", [])}


def store_created_event(*, store: Store, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.STORE_CREATED,
        store=store,
        changes=_created(fields_of(store, STORE_FIELDS)),
        acting_user=acting_user,
    )


def store_changed_event(*, store: Store, changes: dict, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.STORE_CHANGED, store=store, changes=changes, acting_user=acting_user
    )


def terminal_created_event(*, terminal: Terminal, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.TERMINAL_CREATED,
        store_id=terminal.store_id,
        terminal=terminal,
        changes=_created(fields_of(terminal, ("name", "token_prefix"))),
        acting_user=acting_user,
    )


def terminal_rotated_event(*, terminal: Terminal, old_token_prefix: str, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.TERMINAL_ROTATED,
        store_id=terminal.store_id,
        terminal=terminal,
        changes={"token_prefix": [old_token_prefix, terminal.token_prefix]},
        acting_user=acting_user,
    )


def terminal_revoked_event(*, terminal: Terminal, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.TERMINAL_REVOKED,
        store_id=terminal.store_id,
        terminal=terminal,
        changes={"is_active": [True, False]},
        acting_user=acting_user,
    )


def price_list_created_event(*, price_list: PriceList, values: dict, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRICE_LIST_CREATED,
        price_list=price_list,
        changes=_created(values),
        acting_user=acting_user,
    )


def price_list_changed_event(*, price_list: PriceList, changes: dict, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRICE_LIST_CHANGED, price_list=price_list, changes=changes, acting_user=acting_user
    )


def price_list_deleted_event(*, price_list: PriceList, acting_user: User | None) -> SalesEvent:
    """Written before the list goes: the event keeps its name, its link is emptied by the delete."""
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRICE_LIST_DELETED,
        price_list=price_list,
        changes={"name": [price_list.name, None]},
        acting_user=acting_user,
    )


def price_list_item_added_event(*, item: PriceListItem, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRICE_LIST_ITEM_ADDED,
        price_list_id=item.price_list_id,
        changes=_created(fields_of(item, PRICE_LIST_ITEM_FIELDS)),
        acting_user=acting_user,
    )


def price_list_item_changed_event(*, item: PriceListItem, changes: dict, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRICE_LIST_ITEM_CHANGED,
        price_list_id=item.price_list_id,
        changes=changes,
        acting_user=acting_user,
    )


def price_list_item_removed_event(*, item: PriceListItem, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRICE_LIST_ITEM_REMOVED,
        price_list_id=item.price_list_id,
        changes={field: [value, None] for field, value in fields_of(item, PRICE_LIST_ITEM_FIELDS).items() if value},
        acting_user=acting_user,
    )


def product_created_event(*, product: Product, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRODUCT_CREATED,
        product=product,
        changes=_created(fields_of(product, PRODUCT_FIELDS)),
        acting_user=acting_user,
    )


def product_changed_event(*, product: Product, changes: dict, acting_user: User | None) -> SalesEvent:
    return SalesEvent.objects.create(
        kind=SalesEvent.Kind.PRODUCT_CHANGED, product=product, changes=changes, acting_user=acting_user
    )
