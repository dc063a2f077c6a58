"""Cleaning of sales values that every path shares: product screens, imports and the till's API.

Each cleaner takes what a person typed (or a file held) and returns the value to store, or raises
a ValidationError whose message names the problem; callers add the field's name. Empty input
gives "" or None: whether a value is required is the caller's rule.
"""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.money import money

EAN_LENGTHS = (8, 13)
# Digits with an optional decimal part; no exponent, no "NaN" or "Infinity" (Decimal takes those).
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# Largest amount a money column (14 digits, 2 decimals) holds.
MONEY_MAX = Decimal("999999999999.99")
QUANTITY_MAX = Decimal("999999999.999")


def ean_check_digit(digits: str) -> int:
    """The GS1 check digit for the digits before it (7 for EAN-8, 12 for EAN-13): weights 3 and 1
    alternate from the rightmost digit."""
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def ean_clean(raw) -> str:
    """An EAN-8 or EAN-13 barcode as its digits ("" when empty). Spaces are dropped; anything
    else that is not a digit, another length or a wrong check digit is refused, and the message
    says which."""
    text = re.sub(r"\s+", "", str(raw or ""))
    if not text:
        return ""
    if not text.isdigit() or not text.isascii():
        raise ValidationError(
            _("“%(value)s” is not an EAN barcode: it may hold digits only.") % {"value": text}, code="ean_digits"
        )
    if len(text) not in EAN_LENGTHS:
        raise ValidationError(
            _("“%(value)s” is not an EAN barcode: it has %(count)s digits, an EAN has 8 or 13.")
            % {"value": text, "count": len(text)},
            code="ean_length",
        )
    expected = ean_check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise ValidationError(
            _("“%(value)s” is not a valid EAN barcode: its check digit is %(actual)s, it should be %(expected)s.")
            % {"value": text, "actual": text[-1], "expected": expected},
            code="ean_check_digit",
        )
    return text


def _number_text(raw) -> str:
    """The number a person typed, with spaces dropped and a decimal comma read as a point."""
    text = re.sub(r"\s+", "", str(raw if raw is not None else ""))
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    return text


def money_clean(raw) -> Decimal | None:
    """An amount of money (a price) of at most two decimals, not negative; None when empty.
    "4,50" is read as 4.50."""
    text = _number_text(raw)
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}, code="not_a_number")
    value = Decimal(text)
    if value < 0:
        raise ValidationError(_("“%(value)s” is negative: a price cannot be.") % {"value": text}, code="negative")
    if value.as_tuple().exponent < -2:
        raise ValidationError(
            _("“%(value)s” has more decimals than the currency (2).") % {"value": text}, code="decimals"
        )
    if value > MONEY_MAX:
        raise ValidationError(_("“%(value)s” is too large.") % {"value": text}, code="too_large")
    return value


def quantity_clean(raw) -> Decimal | None:
    """A quantity sold: more than zero, at most three decimals; None when empty."""
    text = _number_text(raw)
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}, code="not_a_number")
    value = Decimal(text)
    if value <= 0:
        raise ValidationError(
            _("“%(value)s” is not a quantity: it must be more than zero.") % {"value": text}, code="not_positive"
        )
    if value.as_tuple().exponent < -3:
        raise ValidationError(
            _("“%(value)s” has more than three decimals.") % {"value": text}, code="quantity_decimals"
        )
    if value > QUANTITY_MAX:
        raise ValidationError(_("“%(value)s” is too large.") % {"value": text}, code="too_large")
    return value


def line_amounts(
    *, list_price: Decimal, quantity: Decimal, unit_price: Decimal | None = None, line_total: Decimal | None = None
) -> tuple[Decimal, Decimal, Decimal]:
    """(price paid per unit, line total, discount) of `quantity` sold at `list_price`, from the
    price paid per unit or, where what is known is the amount paid for the line (a history line
    of 3 for 43.99), from that: the total then stays as paid and the unit price is the total over
    the quantity to the cent, for display. The discount is what the line paid below the list
    price, never negative."""
    if line_total is None:
        line_total = money(unit_price * quantity)
        discount = money(max((list_price - unit_price) * quantity, Decimal("0")))
    else:
        unit_price = money(line_total / quantity)
        discount = money(max(list_price * quantity - line_total, Decimal("0")))
    return unit_price, line_total, discount


def vat_rate_clean(raw) -> Decimal | None:
    """A VAT rate in per cent, from 0 to 100 with at most two decimals ("22", "22 %", "9,5");
    None when empty."""
    text = _number_text(raw).removesuffix("%")
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}, code="not_a_number")
    value = Decimal(text)
    if not 0 <= value <= 100:
        raise ValidationError(
            _("“%(value)s” is not a VAT rate: it must be from 0 to 100 (per cent).") % {"value": text},
            code="vat_range",
        )
    if value.as_tuple().exponent < -2:
        raise ValidationError(_("“%(value)s” has more than two decimals.") % {"value": text}, code="vat_decimals")
    return value


DATE_TIME_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")


def sale_time_clean(raw) -> datetime.datetime | None:
    """When a sale happened, from ISO 8601 ("2024-12-31", "2024-12-31 14:30", "2024-12-31T14:30:05",
    with or without an offset) or the way people write it ("31.12.2024", "31.12.2024 14:30"); a
    time without an offset is the retailer's local time, a date alone is its midnight. Refused when
    it is not a date or lies in the future. None when empty."""
    text = str(raw or "").strip()
    if not text:
        return None
    value = None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        for date_format in DATE_TIME_FORMATS:
            try:
                value = datetime.datetime.strptime(text, date_format)
                break
            except ValueError:
                continue
    if value is None:
        raise ValidationError(
            _("“%(value)s” is not a date (use 2024-12-31 14:30 or 31.12.2024 14:30).") % {"value": text},
            code="date",
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now():
        raise ValidationError(_("“%(value)s” is in the future.") % {"value": text}, code="future")
    return value
