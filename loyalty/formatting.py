"""How the loyalty app shows its figures to a person (in explanations, messages and pages)."""

from decimal import Decimal

from django.utils import formats


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros, in the user's number format (1.50 → 1.5, 50.00 → 50)."""
    value = value.quantize(Decimal("1")) if value == value.to_integral_value() else value.normalize()
    return formats.number_format(value, use_l10n=True)
