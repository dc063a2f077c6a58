"""Reads of cards: the types with their counts, batches, the cards list, a batch's print sheet, the
customer card's Marketing instruments tab and finding a customer by a card's number.

Every page costs a fixed number of queries however many rows it shows.
"""

import re
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from loyalty.barcodes import LENGTHS
from loyalty.filters import CardFilter
from loyalty.models import Card, CardBatch, CardEvent, CardType, GiftEntry
from loyalty.rules import card_number_clean

CURRENT_STATUSES = (Card.Status.ACTIVE, Card.Status.BLOCKED)
FORMER_STATUSES = (Card.Status.REPLACED, Card.Status.REMOVED, Card.Status.USED)
ENDING_EVENTS = (CardEvent.Kind.REPLACED, CardEvent.Kind.REMOVED, CardEvent.Kind.USED)
SHEET_PAGE_SIZE = 200
EVENTS_PAGE_SIZE = 20
# A term typed in the customer search that may be a card's number: no spaces once a scanner's or
# a person's spaces are taken out, printable, with a digit in it.
CARD_NUMBER_LIKE = re.compile(r"^(?=.*\d)[\x21-\x7e]{4,40}$")


def _page(queryset, *, page, size: int) -> Page:
    result = Paginator(queryset, size).get_page(page)
    # Evaluated here, so that the queries run (and are counted) in the selector, not in a template.
    result.object_list = list(result.object_list)
    return result


def card_type_list() -> list[CardType]:
    """Every card type, active ones first, each with how many of its cards are in stock, in use
    (active or blocked) and in all."""
    return list(
        CardType.objects.annotate(
            card_count=Count("cards"),
            stock_count=Count("cards", filter=Q(cards__status=Card.Status.STOCK)),
            in_use_count=Count("cards", filter=Q(cards__status__in=CURRENT_STATUSES)),
        ).order_by("-is_active", "name")
    )


def card_type_batches(*, card_type: CardType) -> list[CardBatch]:
    """The type's batches, newest first, with who made them."""
    return list(CardBatch.objects.filter(card_type=card_type).select_related("created_by"))


def card_list(*, filters: CardFilter) -> QuerySet[Card]:
    """The cards the filters select, newest first, each with its type and customer."""
    return filters.qs.select_related("card_type", "customer").order_by("-created_at", "-pk")


def batch_sheet_page(*, batch: CardBatch, page=None) -> Page:
    """One page (200 cards) of a batch's print sheet, in number order."""
    return _page(Card.objects.filter(batch=batch).order_by("number"), page=page, size=SHEET_PAGE_SIZE)


@dataclass
class CustomerCards:
    current: list[Card]
    former: list[Card]
    events_page: Page


def customer_cards(*, customer, page=None) -> CustomerCards:
    """The customer's cards now (active, blocked), the former ones (replaced, removed, used; each
    with `ended_at`, when that happened) and their history, newest first, 20 events a page."""
    ended_at = (
        CardEvent.objects.filter(card=OuterRef("pk"), kind__in=ENDING_EVENTS)
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    cards = list(
        Card.objects.filter(customer=customer)
        .select_related("card_type", "replaced_by")
        # A gift card's money, movement by movement (one query for all the customer's cards).
        .prefetch_related(
            Prefetch(
                "gift_entries",
                queryset=GiftEntry.objects.select_related("sale", "return_document").order_by("-occurred_at", "-pk"),
            )
        )
        .annotate(ended_at=Subquery(ended_at))
        .order_by("-assigned_at", "-pk")
    )
    events = CardEvent.objects.filter(customer=customer).select_related("card", "author", "terminal")
    return CustomerCards(
        current=[card for card in cards if card.status in CURRENT_STATUSES],
        former=sorted(
            (card for card in cards if card.status in FORMER_STATUSES),
            key=lambda card: (card.ended_at is not None, card.ended_at or card.created_at),
            reverse=True,
        ),
        events_page=_page(events, page=page, size=EVENTS_PAGE_SIZE),
    )


def card_search_condition(term: str) -> Q | None:
    """Customers with an active or blocked card of the typed number (spaces ignored); a former
    card's number no longer finds its customer. None when the term cannot be a card's number."""
    number = card_number_clean(term)
    if not CARD_NUMBER_LIKE.match(number):
        return None
    # The ids, read first (one look-up by the unique number): OR-ed with the other ways of
    # finding a customer, a sub-query would make PostgreSQL test it on every customer's row
    # instead of combining the indexes of each way.
    customer_ids = list(
        Card.objects.filter(number=number, status__in=CURRENT_STATUSES, customer__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    return Q(pk__in=customer_ids)


def card_type_for_number(number: str, *, types: list[CardType] | None = None) -> CardType | None:
    """The active card type whose prefix is the longest start of `number`, a type whose barcode has
    the number's length first (an EAN-8 and an EAN-13 type may share a prefix). `types`: the
    active types read once for many numbers (an import's chunk), else read here."""
    active = types if types is not None else CardType.objects.filter(is_active=True)
    candidates = [card_type for card_type in active if number.startswith(card_type.prefix)]

    def fits(card_type: CardType) -> bool:
        return card_type.symbology not in LENGTHS or len(number) == LENGTHS[card_type.symbology]

    return max(candidates, key=lambda card_type: (fits(card_type), len(card_type.prefix)), default=None)


def gift_entries(card: Card, *, limit: int = 200) -> list[GiftEntry]:
    """A gift card's movements, newest first (with the receipt of each)."""
    return list(
        GiftEntry.objects.filter(card=card).select_related("sale", "store").order_by("-occurred_at", "-pk")[:limit]
    )
