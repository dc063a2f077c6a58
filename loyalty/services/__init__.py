"""Loyalty's writes: cards (cards.py), the ledger (ledger.py), earning rules (earning.py), points
on sales and returns (sale_points.py), scheduled jobs (jobs.py)."""
