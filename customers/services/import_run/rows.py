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
    email_clean,
    phone_clean,
    property_value_clean,
)
from customers.selectors.importing import (
    GROUP,
    PROPERTY_PREFIX,
    STATUS,
)
from customers.services.import_columns import import_columns

Outcome = ImportRow.Outcome
KEYS = ("email", "phone", "registry_code")


@dataclass
class Row:
    number: int
    values: list[str]
    fields: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    status: str | None = None
    problems: list[str] = field(default_factory=list)
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
        keys = {"email": self.fields.get("email", ""), "phone": self.fields.get("phone", "")}
        keys["registry_code"] = self.fields.get("registry_code", "") if self.kind == Customer.Kind.BUSINESS else ""
        return {key: value for key, value in keys.items() if value}

    def refuse(self, *reasons: str) -> None:
        self.outcome, self.reasons, self.customer, self.takes_seat = Outcome.REFUSE, list(reasons), None, False


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
    columns, properties, region, choices, statuses, groups)."""

    def _value(self, name: str, text: str):
        if name in ("email", "billing_email"):
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
        for index, target, column in self.columns:
            text = values[index].strip()
            if not text:
                continue
            if import_columns.get(target) is not None:
                row.extra[target] = text
                continue
            try:
                if target.startswith(PROPERTY_PREFIX):
                    code = target.removeprefix(PROPERTY_PREFIX)
                    row.properties[code] = property_value_clean(self.properties[code], text)
                elif target == STATUS:
                    row.status = self._status(text)
                elif target == GROUP:
                    row.fields["group"] = self._group(text)
                else:
                    row.fields[target] = self._value(target, text)
            except ValidationError as error:
                for message in error.messages:
                    row.problems.append(_("%(column)s: %(problem)s") % {"column": column, "problem": message})
        parts = [
            values[index].strip() for index, target, _column in self.columns if target in ("first_name", "last_name")
        ]
        company = [values[index].strip() for index, target, _column in self.columns if target == "company_name"]
        row.display = (" ".join(part for part in parts if part) or " ".join(company))[:200]
        return row
