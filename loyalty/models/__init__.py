"""Marketing instruments (cards) and the loyalty programme: its settings, rules, tiers, the
append-only points ledger and the history of changes (a module each, re-exported here)."""

from loyalty.models.cards import Card, CardBatch, CardEvent, CardType, Symbology
from loyalty.models.events import LoyaltyEvent
from loyalty.models.gift import GiftEntry
from loyalty.models.ledger import EarnedLine, PointsAccount, PointsEntry
from loyalty.models.programme import EarningRule, Programme, Tier

__all__ = [
    "Card",
    "CardBatch",
    "CardEvent",
    "CardType",
    "EarnedLine",
    "EarningRule",
    "GiftEntry",
    "LoyaltyEvent",
    "PointsAccount",
    "PointsEntry",
    "Programme",
    "Symbology",
    "Tier",
]
