"""Forms of the loyalty app's pages: cards.py (Settings → Cards and the card actions on a
customer), points.py (a manual adjustment), programme.py (Settings → Loyalty programme)."""
