"""Reading what a person typed into the programme's forms (numbers as text, ids of stores and
groups), each problem collected under the field it concerns so that one refusal names them all."""

import re
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Digits with an optional decimal part, an optional sign; no exponent, no "NaN" or "Infinity".
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_WHOLE = re.compile(r"^-?\d+$")
# The largest value a PositiveIntegerField holds.
WHOLE_MAX = 2_147_483_647
ISO_WEEKDAYS = range(1, 8)


class FieldErrors:
    """Messages collected field by field, so one refusal names every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def number_text(raw) -> str:
    """A number as a person typed it, spaces dropped and a decimal comma read as a point."""
    text = re.sub(r"\s+", "", str(raw if raw is not None else ""))
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    return text


def decimal_clean(
    raw,
    *,
    field: str,
    errors: FieldErrors,
    decimals: int,
    below: Decimal,
    negative_message: str,
    required_message: str | None = None,
) -> Decimal | None:
    """A decimal of at most `decimals` places, not negative and less than `below` (what the
    column holds); None when empty (refused with `required_message` when one is given). A
    problem is added to `errors` under `field` and None returned."""
    if isinstance(raw, Decimal):
        raw = format(raw, "f")
    text = number_text(raw)
    if not text:
        if required_message:
            errors.add(field, required_message)
        return None
    if not _NUMBER.match(text):
        errors.add(field, _("“%(value)s” is not a number.") % {"value": text})
        return None
    value = Decimal(text)
    if value < 0:
        errors.add(field, negative_message)
        return None
    if value.as_tuple().exponent < -decimals:
        errors.add(
            field,
            ngettext(
                "“%(value)s” has too many decimals: at most %(count)s is allowed.",
                "“%(value)s” has too many decimals: at most %(count)s are allowed.",
                decimals,
            )
            % {"value": text, "count": decimals},
        )
        return None
    if value >= below:
        errors.add(field, _("“%(value)s” is too large.") % {"value": text})
        return None
    return value


def whole_clean(
    raw,
    *,
    field: str,
    errors: FieldErrors,
    negative_message: str,
    minimum: int = 0,
    minimum_message: str | None = None,
) -> int | None:
    """A whole number of at least `minimum`; None when empty."""
    text = number_text(raw)
    if not text:
        return None
    if not _WHOLE.match(text):
        errors.add(field, _("“%(value)s” is not a whole number.") % {"value": text})
        return None
    value = int(text)
    if value < 0:
        errors.add(field, negative_message)
        return None
    if value < minimum:
        errors.add(field, minimum_message or negative_message)
        return None
    if value > WHOLE_MAX:
        errors.add(field, _("“%(value)s” is too large.") % {"value": text})
        return None
    return value


def ids_clean(raw_ids: Iterable, *, field: str, errors: FieldErrors) -> list[int]:
    """The ids given, each once and in order; one that is not a number is refused."""
    ids = []
    for raw in raw_ids or ():
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            errors.add(field, _("“%(value)s” is not an id.") % {"value": raw})
    return sorted(set(ids))


def rows_of_this_retailer(model, ids: list[int], *, field: str, errors: FieldErrors, message: str) -> list:
    """The rows with these ids; an id with no row here (another retailer's, or deleted) is
    refused, naming it."""
    rows = list(model.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {row.pk for row in rows})
    if missing:
        errors.add(field, message % {"ids": ", ".join(str(pk) for pk in missing)})
    return rows


def changes_of(instance, values: dict) -> dict[str, tuple]:
    """The fields whose value differs from the instance's, with their (old, new) pair."""
    return {
        field: (getattr(instance, field), value) for field, value in values.items() if getattr(instance, field) != value
    }
