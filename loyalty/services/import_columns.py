"""What loyalty adds to the customer import: an opening points balance and a card number per row
(customers.services.import_columns). LoyaltyConfig.ready() registers POINTS_BALANCE and CARD_NUMBER.

- points_balance: the balance the customer had in the old system, a whole number ≥ 0. It is
  written once per customer, as an OPENING entry with the once-key "opening" (source import,
  author the importing person, expiring as any credit of the programme does): importing the same
  file again adds nothing, and neither does a second file with another balance. 0 writes nothing.
  The entries of a chunk are written in one COPY on the chunk's locked accounts (each customer
  once, so each entry's balance_after is its account's balance plus the points, as the ledger's
  insert trigger checks).
- card_number: the card is given to the customer as `card_assign` does (a number not in stock yet
  is taken into the card type its prefix names and checked against that type's barcode; a first
  bonus card brings the welcome bonus once), the importing person its author; a chunk's cards
  are written together (cards_assign_bulk). A card that is
  already this customer's is fine (importing again changes nothing); one active on another
  customer, blocked, replaced, removed or used, a number no card type has, a wrong check digit,
  or the same card on two rows of the file refuse the row in the dry run.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.services.import_columns import ImportCell, ImportColumn, ImportColumnRun
from loyalty.barcodes import number_clean
from loyalty.models import Card, CardType, PointsEntry
from loyalty.rules import REFUSED_STATUS, card_number_clean
from loyalty.selectors.cards import card_type_for_number
from loyalty.services.cards import cards_assign_bulk
from loyalty.services.ledger import points_credit_once_many

OPENING_KEY = "opening"
# More than any real balance; keeps a typing mistake (a phone number, say) out of the ledger.
MAX_OPENING_BALANCE = 100_000_000
# "1200", "1 200" (a space or a no-break space between thousands), "1200.00" from a spreadsheet.
POINTS_PATTERN = re.compile(r"^(\d+)(?:[.,]0+)?$")


# --- the opening balance -----------------------------------------------------------------------


def _points(text: str) -> int | None:
    """The whole number of points the text says, or None when it says none."""
    match = POINTS_PATTERN.match(re.sub(r"[\s\u00a0\u202f]", "", text))
    if match is None or not match.group(1).isascii():
        return None
    points = int(match.group(1))
    return points if points <= MAX_OPENING_BALANCE else None


def balance_check(cells: list[ImportCell], run: ImportColumnRun) -> dict[int, list[str]]:
    return {
        cell.row_number: [
            _("“%(value)s”: an opening balance must be a whole number of points ≥ 0 (at most %(max)s).")
            % {"value": cell.text, "max": number_format(MAX_OPENING_BALANCE, force_grouping=True)}
        ]
        for cell in cells
        if _points(cell.text) is None
    }


def balance_write(cells: list[ImportCell], run: ImportColumnRun) -> None:
    """One OPENING entry per customer who has none yet and a balance above 0."""
    points_credit_once_many(
        points={cell.customer.pk: _points(cell.text) or 0 for cell in cells},
        once_key=OPENING_KEY,
        reason=(_("Opening balance imported from “%(name)s”") % {"name": run.batch.original_name})[:300],
        source=PointsEntry.Source.IMPORT,
        kind=PointsEntry.Kind.OPENING,
        author_id=run.acting_user.pk if run.acting_user is not None else None,
    )


# --- the card number ---------------------------------------------------------------------------


def _card_problem(cell: ImportCell, card: Card | None, types: list[CardType]) -> tuple[str, str]:
    """The number as stored and what refuses it ("" when nothing does)."""
    number = card_number_clean(cell.text)
    if card is None:
        card_type = card_type_for_number(number, types=types)
        if card_type is None:
            return number, _(
                "No card type of this retailer has numbers like “%(number)s”; it may be another retailer's card or "
                "mistyped."
            ) % {"number": cell.text}
        try:
            return number_clean(number, symbology=card_type.symbology), ""
        except ValidationError as error:
            return number, " ".join(error.messages)
    if card.status == Card.Status.ACTIVE:
        if cell.customer is not None and card.customer_id == cell.customer.pk:
            return number, ""
        return number, _("Card %(number)s is already active on another customer (%(customer)s).") % {
            "number": number,
            "customer": card.customer,
        }
    if card.status != Card.Status.STOCK:
        return number, REFUSED_STATUS[card.status] % {"number": number}
    return number, ""


def card_check(cells: list[ImportCell], run: ImportColumnRun) -> dict[int, list[str]]:
    """What refuses each row's card; the run remembers the numbers of earlier rows."""
    seen: dict[str, int] = run.state.setdefault("seen", {})
    cards = {
        card.number: card
        for card in Card.objects.filter(number__in={card_number_clean(cell.text) for cell in cells}).select_related(
            "customer"
        )
    }
    types = list(CardType.objects.filter(is_active=True))
    problems = {}
    for cell in cells:
        number, problem = _card_problem(cell, cards.get(card_number_clean(cell.text)), types)
        if not problem and number in seen:
            problem = _("Card %(number)s is already in row %(row)s.") % {"number": number, "row": seen[number]}
        if problem:
            problems[cell.row_number] = [problem]
        else:
            seen[number] = cell.row_number
    return problems


def card_write(cells: list[ImportCell], run: ImportColumnRun) -> None:
    """Assign each row's card to its customer, unless it is this customer's already: the chunk's
    cards in a few statements (cards_assign_bulk), not a card_assign per row."""
    numbers = {cell.row_number: card_number_clean(cell.text) for cell in cells}
    owned = set(
        Card.objects.filter(
            number__in=numbers.values(),
            customer_id__in={cell.customer.pk for cell in cells},
            status=Card.Status.ACTIVE,
        ).values_list("number", "customer_id")
    )
    cards_assign_bulk(
        assignments=[
            (cell.customer, cell.text) for cell in cells if (numbers[cell.row_number], cell.customer.pk) not in owned
        ],
        acting_user=run.acting_user,
    )


POINTS_BALANCE = ImportColumn(
    code="points_balance",
    label=gettext_lazy("Opening points balance"),
    help=gettext_lazy(
        "The customer's points in the old system, a whole number. Written once per customer: importing again adds "
        "nothing."
    ),
    check=balance_check,
    write=balance_write,
    section=gettext_lazy("Loyalty"),
    names=frozenset({"points", "pointsbalance", "balance", "bonuspoints", "openingbalance", "loyaltypoints"}),
)
CARD_NUMBER = ImportColumn(
    code="card_number",
    label=gettext_lazy("Card number"),
    help=gettext_lazy(
        "A loyalty card's number (its barcode) to give the customer: a card in stock, or a new number of one of "
        "your card types."
    ),
    check=card_check,
    write=card_write,
    section=gettext_lazy("Loyalty"),
    names=frozenset({"card", "cardnumber", "loyaltycard", "bonuscard", "cardno", "clientcard"}),
)
