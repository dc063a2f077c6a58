"""Showing a report's preview values (stored as JSON) as the workbook shows them."""

import datetime
from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from crm.templatetags.regulars import money

register = template.Library()


@register.simple_tag
def report_value(row, column, currency: str = "EUR") -> str:
    """The value of `column` in the preview's `row` (a mapping keyed by the columns' keys)."""
    value = row.get(column.key)
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "boolean":
        return _("Yes") if value else _("No")
    if kind == "money":
        return money(value, currency)
    if kind == "percent":
        return formats.number_format(Decimal(str(value)) * 100, 1, use_l10n=True) + " %"
    if kind == "integer":
        return formats.number_format(int(Decimal(str(value))), 0, use_l10n=True, force_grouping=True)
    if kind in ("quantity", "number"):
        return formats.number_format(Decimal(str(value)).normalize(), use_l10n=True, force_grouping=True)
    if kind == "decimal":
        return formats.number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)
    if kind == "date" and isinstance(value, str):
        return formats.date_format(datetime.date.fromisoformat(value[:10]), "SHORT_DATE_FORMAT")
    if kind == "datetime" and isinstance(value, str):
        return formats.date_format(datetime.datetime.fromisoformat(value), "SHORT_DATETIME_FORMAT")
    return str(value)
