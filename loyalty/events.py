"""One function per change of the loyalty programme that someone may ask "who did this?" about:
its settings, earning rules, tiers and card types. Each writes one LoyaltyEvent (who, when, what,
old → new) and is called by the service making the change, inside its transaction, so a change
and its event are written together or not at all.

`changes` maps a field's name to its (old, new) pair; the values are stored as JSON (decimals and
days as text, rows as their names).
"""

import datetime
from decimal import Decimal

from django.db import models

from loyalty.models import CardType, EarningRule, LoyaltyEvent, Tier
from staff.models import User


def _stored(value):
    """A field's value as the event keeps it: JSON that still reads well when the row is gone."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_stored(item) for item in value]
    return str(value)


def _changes(changes: dict[str, tuple]) -> dict[str, dict]:
    return {field: {"old": _stored(old), "new": _stored(new)} for field, (old, new) in changes.items()}


def _created(values: dict) -> dict[str, dict]:
    return _changes({field: (None, value) for field, value in values.items() if value not in (None, "", [])})


def _event(*, kind: str, acting_user: User | None, changes: dict | None = None, **about) -> LoyaltyEvent:
    subject = next((value for value in about.values() if value is not None), None)
    return LoyaltyEvent.objects.create(
        kind=kind,
        acting_user=acting_user,
        changes=changes or {},
        label=str(subject)[:100] if subject is not None else "",
        **about,
    )


def programme_changed_event(*, changes: dict[str, tuple], acting_user: User | None) -> LoyaltyEvent:
    return _event(kind=LoyaltyEvent.Kind.PROGRAMME_CHANGED, acting_user=acting_user, changes=_changes(changes))


def earning_rule_created_event(*, rule: EarningRule, values: dict, acting_user: User | None) -> LoyaltyEvent:
    return _event(kind=LoyaltyEvent.Kind.RULE_CREATED, acting_user=acting_user, changes=_created(values), rule=rule)


def earning_rule_changed_event(
    *, rule: EarningRule, changes: dict[str, tuple], acting_user: User | None
) -> LoyaltyEvent:
    return _event(kind=LoyaltyEvent.Kind.RULE_CHANGED, acting_user=acting_user, changes=_changes(changes), rule=rule)


def earning_rule_deleted_event(*, rule: EarningRule, acting_user: User | None) -> LoyaltyEvent:
    """Written before the rule is deleted: the deletion clears the link, the name stays."""
    return _event(kind=LoyaltyEvent.Kind.RULE_DELETED, acting_user=acting_user, rule=rule)


def tier_created_event(*, tier: Tier, values: dict, acting_user: User | None) -> LoyaltyEvent:
    return _event(kind=LoyaltyEvent.Kind.TIER_CREATED, acting_user=acting_user, changes=_created(values), tier=tier)


def tier_changed_event(*, tier: Tier, changes: dict[str, tuple], acting_user: User | None) -> LoyaltyEvent:
    return _event(kind=LoyaltyEvent.Kind.TIER_CHANGED, acting_user=acting_user, changes=_changes(changes), tier=tier)


def tier_deleted_event(*, tier: Tier, acting_user: User | None) -> LoyaltyEvent:
    """Written before the tier is deleted: the deletion clears the link, the name stays."""
    return _event(kind=LoyaltyEvent.Kind.TIER_DELETED, acting_user=acting_user, tier=tier)


def card_type_created_event(*, card_type: CardType, values: dict, acting_user: User | None) -> LoyaltyEvent:
    return _event(
        kind=LoyaltyEvent.Kind.CARD_TYPE_CREATED, acting_user=acting_user, changes=_created(values), card_type=card_type
    )


def card_type_changed_event(
    *, card_type: CardType, changes: dict[str, tuple], acting_user: User | None
) -> LoyaltyEvent:
    return _event(
        kind=LoyaltyEvent.Kind.CARD_TYPE_CHANGED,
        acting_user=acting_user,
        changes=_changes(changes),
        card_type=card_type,
    )
