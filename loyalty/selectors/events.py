"""The loyalty programme's history (Settings → Loyalty programme → History): who changed the
settings, an earning rule, a tier or a card type, when, and each value from old to new."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.utils.translation import gettext as _

from loyalty.models import CardType, EarningRule, LoyaltyEvent, Programme, Tier

HISTORY_PAGE_SIZE = 50
# The model whose fields an event's changes name, by what the event is about.
SUBJECT_MODELS = {
    LoyaltyEvent.Kind.PROGRAMME_CHANGED: Programme,
    LoyaltyEvent.Kind.RULE_CREATED: EarningRule,
    LoyaltyEvent.Kind.RULE_CHANGED: EarningRule,
    LoyaltyEvent.Kind.RULE_DELETED: EarningRule,
    LoyaltyEvent.Kind.TIER_CREATED: Tier,
    LoyaltyEvent.Kind.TIER_CHANGED: Tier,
    LoyaltyEvent.Kind.TIER_DELETED: Tier,
    LoyaltyEvent.Kind.CARD_TYPE_CREATED: CardType,
    LoyaltyEvent.Kind.CARD_TYPE_CHANGED: CardType,
}


@dataclass(frozen=True)
class ChangeRow:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    event: LoyaltyEvent
    changes: list[ChangeRow]


def _field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _shown(field: models.Field | None, value) -> str:
    """A stored value as a person reads it: a choice by its label, yes or no, names joined."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return str(choices.get(value, value))


def _rows(event: LoyaltyEvent) -> list[ChangeRow]:
    model = SUBJECT_MODELS[event.kind]
    rows = []
    for name, pair in event.changes.items():
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name.replace("_", " ")
        rows.append(ChangeRow(field=label, old=_shown(field, pair.get("old")), new=_shown(field, pair.get("new"))))
    return rows


def loyalty_event_page(*, page=None, card_type: CardType | None = None) -> Page:
    """One page (50) of the programme's history, newest first (with `card_type`: that type's
    only), each event with who made it and its changes as rows (field, old, new) to show."""
    events = LoyaltyEvent.objects.select_related("acting_user").order_by("-occurred_at", "-pk")
    if card_type is not None:
        events = events.filter(card_type=card_type)
    result = Paginator(events, HISTORY_PAGE_SIZE).get_page(page)
    result.object_list = [HistoryRow(event=event, changes=_rows(event)) for event in result.object_list]
    return result
