"""Loyalty's reads, one module per part: cards.py (cards, their types and batches, the customer
card's Marketing instruments tab, finding a card's type or customer by its number), points.py (a
balance, what expires, the points ledger), programme.py (the programme's settings, the rules and
tiers lists, their forms' choices), earning.py (what a basket earns and why; the "try it" panel)
and events.py (the programme's history)."""
