"""Pure rules of the loyalty programme: no database, no request."""


def card_number_clean(value: str) -> str:
    """A card's number as typed or scanned: the spaces a person or a scanner put in taken out."""
    return "".join((value or "").split())
