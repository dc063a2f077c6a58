"""Reading the rows of an import's file: each row's cells cleaned into a customer's values,
or the problems found in them."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from customers.models import (
    CONSENT_FIELDS,
    Customer,
    CustomerGroup,
    CustomerStatus,
    ImportRow,
)
from customers.rules import (
    FALSE_WORDS,
    TRUE_WORDS,
    birth_date_clean,
    customer_number_clean,
    email_clean,
    phone_clean,
    property_value_clean,
)
from customers.selectors.importing import (
    FULL_NAME,
    GROUP,
    PROPERTY_PREFIX,
    STATUS,
)
from customers.services.import_columns import import_columns

Outcome = ImportRow.Outcome
# The keys that name an existing customer, in the order they are tried: the retailer's own
# customer number first, then the e-mail, the phone and (a business) the registry code.
KEYS = ("number", "email", "phone", "registry_code")
# How many rows of a customer number that is in several rows the refusal names.
MAX_ROWS_NAMED = 10
# Codes a spreadsheet keeps as text with a leading apostrophe ("'+3725…", "'00123"; Shopify's
# export writes its ids, phones and postal codes so): the apostrophe is not part of the value.
TEXT_MARKED_TARGETS = {"number", "phone", "postal_code", "delivery_postal_code", "registry_code", "vat_number"}


@dataclass
class Row:
    number: int
    values: list[str]
    fields: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    status: str | None = None
    problems: list[str] = field(default_factory=list)
    # The targets whose cell was refused (so that a rule over them, a person's name, says nothing more).
    invalid: set[str] = field(default_factory=set)
    outcome: str = Outcome.REFUSE
    reasons: list[str] = field(default_factory=list)
    display: str = ""
    customer: Customer | None = None
    before: dict | None = None
    takes_seat: bool = False
    # The texts of the columns later apps registered (customers.services.import_columns), by code.
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.fields.get("kind"):
            return self.fields["kind"]
        if self.fields.get("company_name") and not (self.fields.get("first_name") or self.fields.get("last_name")):
            return Customer.Kind.BUSINESS
        return Customer.Kind.PERSON

    def keys(self) -> dict[str, str]:
        """The row's keys (KEYS) it has a value for; the number upper-cased, as it is compared."""
        keys = {
            "number": self.fields.get("number", "").upper(),
            "email": self.fields.get("email", ""),
            "phone": self.fields.get("phone", ""),
        }
        keys["registry_code"] = self.fields.get("registry_code", "") if self.kind == Customer.Kind.BUSINESS else ""
        return {key: value for key, value in keys.items() if value}

    def refuse(self, *reasons: str) -> None:
        self.outcome, self.reasons, self.customer, self.takes_seat = Outcome.REFUSE, list(reasons), None, False


def cell_text(target: str, raw: str) -> str:
    """A cell's text as the column's target reads it: stripped, without a spreadsheet's text mark."""
    text = raw.strip()
    if target in TEXT_MARKED_TARGETS and text.startswith("'"):
        text = text[1:].strip()
    return text


def choice_words(choices) -> dict[str, str]:
    """Stored value by the value itself or its label in any language, case-folded."""
    words = {}
    for value, label in choices:
        words[str(value).casefold()] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                words[str(label).casefold()] = value
    return words


class RowReading:
    """The part of an ImportRun that cleans one row's cells (set up by ImportRun.__init__:
    columns, properties, region, choices, statuses, groups; and by ImportRun.run, before the
    rows: the customer numbers that are in more than one row, with their rows)."""

    duplicate_numbers: dict[str, list[int]]

    def _value(self, name: str, text: str):
        if name == "number":
            value = customer_number_clean(text)
        elif name in ("email", "billing_email"):
            value = email_clean(text)
        elif name == "phone":
            value = phone_clean(text, region=self.region)
        elif name == "birth_date":
            value = birth_date_clean(text)
        elif name in self.choices:
            value = self.choices[name].get(text.casefold())
            if value is None:
                labels = Customer._meta.get_field(name).choices
                raise ValidationError(
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {"value": text, "choices": ", ".join(str(label) for _value, label in labels)}
                )
        elif name in CONSENT_FIELDS:
            word = text.casefold()
            if word not in TRUE_WORDS and word not in FALSE_WORDS:
                raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": text})
            value = word in TRUE_WORDS
        elif name == "payment_terms_days":
            if not text.isdigit() or int(text) > 32767:
                raise ValidationError(_("“%(value)s” is not a whole number of days.") % {"value": text})
            value = int(text)
        elif name in ("country", "delivery_country"):
            value = text.upper()
            if len(value) != 2 or not value.isascii() or not value.isalpha():
                raise ValidationError(_("“%(value)s” is not a two-letter country code.") % {"value": text})
        else:
            value = text
        max_length = Customer._meta.get_field(name).max_length
        if isinstance(value, str) and max_length and len(value) > max_length:
            raise ValidationError(_("longer than %(max)s characters.") % {"max": max_length})
        return value

    def _group(self, text: str) -> CustomerGroup:
        found = self.groups.get(text.casefold(), [])
        if not found:
            raise ValidationError(_("there is no customer group “%(value)s”.") % {"value": text})
        if len(found) > 1:
            raise ValidationError(_("“%(value)s” names more than one customer group.") % {"value": text})
        return found[0]

    def _status(self, text: str) -> str:
        status = self.statuses.get(text.casefold())
        if status is None:
            raise ValidationError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text, "choices": ", ".join(str(label) for _value, label in CustomerStatus.choices)}
            )
        return status

    def _parse(self, number: int, values: list[str]) -> Row:
        row = Row(number=number, values=values)
        full_name = ""
        for index, target, column in self.columns:
            text = cell_text(target, values[index])
            if not text:
                continue
            if import_columns.get(target) is not None:
                row.extra[target] = text
                continue
            try:
                if target.startswith(PROPERTY_PREFIX):
                    code = target.removeprefix(PROPERTY_PREFIX)
                    row.properties[code] = property_value_clean(self.properties[code], text)
                elif target == FULL_NAME:
                    full_name = text
                elif target == STATUS:
                    row.status = self._status(text)
                elif target == GROUP:
                    row.fields["group"] = self._group(text)
                else:
                    row.fields[target] = self._value(target, text)
            except ValidationError as error:
                row.invalid.add(target)
                for message in error.messages:
                    row.problems.append(_("%(column)s: %(problem)s") % {"column": column, "problem": message})
        if full_name:
            self._full_name(row, full_name)
        number = row.fields.get("number", "")
        if number and number.upper() in self.duplicate_numbers:
            rows = self.duplicate_numbers[number.upper()]
            shown = ", ".join(str(other) for other in rows[:MAX_ROWS_NAMED]) + (
                ", …" if len(rows) > MAX_ROWS_NAMED else ""
            )
            row.problems.append(
                _("%(column)s: “%(value)s” is in rows %(rows)s of the file; a customer number belongs to one customer.")
                % {"column": self.field_columns["number"], "value": number, "rows": shown}
            )
        parts = [
            values[index].strip() for index, target, _column in self.columns if target in ("first_name", "last_name")
        ]
        company = [values[index].strip() for index, target, _column in self.columns if target == "company_name"]
        row.display = (" ".join(part for part in parts if part) or full_name or " ".join(company))[:200]
        return row

    def _full_name(self, row: Row, text: str) -> None:
        """A name in one cell: a business's company name (unless a column gives that), else a
        person's first name (the first word) and last name (the rest), unless columns give those."""
        column = self.field_columns[FULL_NAME]
        if row.fields.get("kind") == Customer.Kind.BUSINESS:
            names = {} if row.fields.get("company_name") else {"company_name": text}
        elif row.fields.get("first_name") or row.fields.get("last_name"):
            names = {}
        else:
            first, _space, last = text.partition(" ")
            names = {"first_name": first, "last_name": " ".join(last.split())}
        for name, value in names.items():
            try:
                row.fields[name] = self._value(name, value)
            except ValidationError as error:
                row.invalid.add(name)
                row.problems += [
                    _("%(column)s: %(problem)s") % {"column": column, "problem": message} for message in error.messages
                ]
