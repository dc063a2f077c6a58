"""Loyalty's reads, one module per part: cards.py (cards, their types and batches, the customer
card's Marketing instruments tab), and the modules of the programme and points parts."""
