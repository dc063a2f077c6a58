"""Who changed what in the sales settings: the history shown on a store's page (the store and
its terminals), on a price list's page and on a product's page."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sales.models import PriceList, Product, SalesEvent, Store

# How a field of `SalesEvent.changes` is named on the page.
FIELD_LABELS = {
    "sku": _("code (SKU)"),
    "ean": _("EAN barcode"),
    "name": _("name"),
    "code": _("code"),
    "address": _("address"),
    "is_active": _("active"),
    "token_prefix": _("token starts with"),
    "valid_from": _("valid from"),
    "valid_to": _("valid to"),
    "customer_groups": _("customer groups"),
    "product": _("product"),
    "product_group": _("product group"),
    "fixed_price": _("fixed price"),
    "percent_off": _("percent off"),
    "group": _("product group"),
    "list_price": _("list price"),
    "vat_rate": _("VAT rate (%)"),
}
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Change:
    label: str
    old: object
    new: object


@dataclass(frozen=True)
class HistoryRow:
    event: SalesEvent
    changes: list[Change]


def _shown(value) -> object:
    """A stored value as the page shows it: yes / no for flags, a list as one line."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return value


def _changes(event: SalesEvent) -> list[Change]:
    order = list(FIELD_LABELS)
    fields = sorted(event.changes, key=lambda field: order.index(field) if field in order else len(order))
    return [
        Change(str(FIELD_LABELS.get(field, field)), _shown(old), _shown(new))
        for field, (old, new) in ((field, event.changes[field]) for field in fields)
    ]


def _rows(events: QuerySet) -> list[HistoryRow]:
    return [
        HistoryRow(event, _changes(event)) for event in events.select_related("acting_user", "terminal")[:HISTORY_LIMIT]
    ]


def store_history(*, store: Store) -> list[HistoryRow]:
    """The latest changes of the store and of its terminals, newest first (one query)."""
    return _rows(SalesEvent.objects.filter(store=store))


def price_list_history(*, price_list: PriceList) -> list[HistoryRow]:
    """The latest changes of the price list and of its special prices, newest first."""
    return _rows(SalesEvent.objects.filter(price_list=price_list))


def product_history(*, product: Product) -> list[HistoryRow]:
    """The latest changes of the product made on its form, newest first."""
    return _rows(SalesEvent.objects.filter(product=product))
