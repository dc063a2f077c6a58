"""Loyalty's writes: card types (card_types.py), cards (cards.py), the ledger (ledger.py), the
programme's settings, earning rules and tiers (programme/), points on sales and returns
(sale_points.py), a merge's cards and points (merging.py), scheduled jobs (jobs.py) and the
customer import's loyalty columns (import_columns.py). Pure rules are in loyalty.rules, reads in
loyalty.selectors, the audit rows in loyalty.events."""
