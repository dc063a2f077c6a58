"""The money filter shows amounts in the user's language, a half cent rounded up."""

from decimal import Decimal

from django.utils import translation

from crm.templatetags.regulars import money


def test_a_half_cent_rounds_up_and_the_amount_is_written_in_the_language():
    assert money(Decimal("61.49") / 2) == "30.75 EUR"
    assert money(Decimal("30.744"), "USD") == "30.74 USD"
    assert money(Decimal("1234.5")) == "1,234.50 EUR"
    with translation.override("de"):
        assert money(Decimal("1234.505")) == "1.234,51 EUR"
    assert money(None) == ""
