"""The columns the customer list can show and its export writes: one definition for both."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, CustomerStatus, CustomProperty
from customers.rules import phone_display, property_value_display


@dataclass(frozen=True)
class Column:
    """`value` shows the column on the list's page; `kind` is the type of its cell in the export
    (as reports.registry.Column's kinds: text, integer, money, date, datetime, number, boolean)."""

    key: str
    label: str
    value: Callable[[Customer], object]
    is_default: bool = False
    kind: str = "text"


BASE_COLUMNS = (
    Column("name", _("Name"), str, True),
    Column("number", _("Customer number"), lambda c: c.number, True),
    # The choice's label by its value: get_FOO_display() hashes every choice's lazy label per call.
    Column("kind", _("Type"), lambda c: Customer.Kind(c.kind).label),
    Column("status", _("Status"), lambda c: CustomerStatus(c.status).label, True),
    Column("group", _("Group"), lambda c: c.group.name if c.group else "", True),
    Column("phone", _("Phone"), lambda c: phone_display(c.phone), True),
    Column("email", _("E-mail"), lambda c: c.email, True),
    Column("birth_date", _("Birth date"), lambda c: c.birth_date, kind="date"),
    Column("city", _("City"), lambda c: c.city),
    Column("registry_code", _("Registry code"), lambda c: c.registry_code),
    Column("purchase_count", _("Purchases"), lambda c: c.purchase_count, kind="integer"),
    Column("purchase_total", _("Total amount"), lambda c: c.purchase_total, kind="money"),
    Column("last_purchase_at", _("Last purchase"), lambda c: c.last_purchase_at, kind="datetime"),
    Column("email_consent", _("E-mail consent"), lambda c: c.email_consent, kind="boolean"),
    Column("sms_consent", _("SMS consent"), lambda c: c.sms_consent, kind="boolean"),
    Column("created_at", _("Created"), lambda c: c.created_at, True, kind="datetime"),
)


PROPERTY_KINDS = {
    CustomProperty.Type.NUMBER: "number",
    CustomProperty.Type.DATE: "date",
    CustomProperty.Type.BOOLEAN: "boolean",
}


def property_column(prop: CustomProperty) -> Column:
    return Column(
        f"p_{prop.code}",
        prop.label,
        lambda customer: property_value_display(prop, customer.properties.get(prop.code)),
        prop.is_shown_in_list,
        kind=PROPERTY_KINDS.get(prop.type, "text"),
    )


def available_columns(properties: list[CustomProperty]) -> list[Column]:
    return [*BASE_COLUMNS, *(property_column(prop) for prop in properties if not prop.is_archived)]


def chosen_columns(keys: list[str], properties: list[CustomProperty]) -> list[Column]:
    """The columns named in `keys` (in the list's order), or the default ones when none are."""
    columns = available_columns(properties)
    chosen = [column for column in columns if column.key in keys]
    return chosen or [column for column in columns if column.is_default]


def cell_text(value: object) -> str:
    """A value as the list's cell shows it: yes or no, a dash for nothing, dates and numbers in the
    user's locale and time zone (what the template would make of it, done once per cell)."""
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    if value is None:
        return "—"
    return formats.localize(timezone.template_localtime(value))
