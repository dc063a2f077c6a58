"""Presentation helpers shared by every app's templates."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from crm.money import money as money_round

register = template.Library()


@register.filter
def money(value, currency: str = "EUR") -> str:
    """An amount in the user's language: 1,234.50 EUR / 1.234,50 EUR / 1 234,50 EUR; a half cent (an
    average of 61.49 over two receipts) rounds up, as money does (crm.money), not to the even."""
    if value is None or value == "":
        return ""
    return f"{number_format(money_round(Decimal(value)), 2, use_l10n=True, force_grouping=True)} {currency}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
