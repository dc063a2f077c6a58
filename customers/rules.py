"""Cleaning of customer values that every path shares: forms, imports and the till's API.

Each cleaner takes what a person typed (or a file held) and returns the value to store, or raises
a ValidationError whose message names the problem; callers add the field's name.
"""

import datetime
import functools
from decimal import Decimal, InvalidOperation

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _

from customers.models import Customer, CustomProperty

TRUE_WORDS = {"1", "yes", "y", "true", "x", "ja", "jah", "on", "✓"}
FALSE_WORDS = {"0", "no", "n", "false", "nein", "ei", "off", ""}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


@functools.lru_cache(maxsize=65_536)
def phone_clean(raw: str, *, region: str) -> str:
    """A phone number in its international form (+3725123456), from any way it is written.
    Memoised (a refusal is not): a history file names a customer's phone on each of their
    receipts, and phonenumbers takes some 30 µs a number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": raw}, code="phone") from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": raw}, code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=16_384)
def phone_display(value: str) -> str:
    """A stored number as people read it (+372 5123 4567). Pure and costly (phonenumbers parses
    its metadata, 30 µs a number): memoised, since a list page shows the same numbers again."""
    if not value:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(value), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return value


@functools.lru_cache(maxsize=65_536)
def email_clean(raw: str) -> str:
    raw = (raw or "").strip().lower()
    if raw:
        try:
            validate_email(raw)
        except ValidationError as error:
            raise ValidationError(_("“%(value)s” is not an e-mail address.") % {"value": raw}, code="email") from error
    return raw


NUMBER_MAX_LENGTH = Customer._meta.get_field("number").max_length


def customer_number_clean(raw) -> str:
    """The retailer's own customer number as stored: the text stripped ("" for none); a number
    longer than the field, or on several lines, is refused."""
    number = str(raw if raw is not None else "").strip()
    if len(number) > NUMBER_MAX_LENGTH:
        raise ValidationError(
            _("“%(value)s” is longer than %(max)s characters: not a customer number.")
            % {"value": number, "max": NUMBER_MAX_LENGTH},
            code="number",
        )
    if any(character in number for character in "\r\n\t"):
        raise ValidationError(_("A customer number is one line of text."), code="number")
    return number


def date_parse(raw) -> datetime.date | None:
    """A date from a date, a datetime or text in one of DATE_FORMATS; None when empty."""
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValidationError(_("“%(value)s” is not a date (use 2024-12-31 or 31.12.2024).") % {"value": text}, code="date")


def birth_date_clean(raw) -> datetime.date | None:
    value = date_parse(raw)
    if value is not None:
        if value > timezone.localdate():
            raise ValidationError(_("The birth date %(value)s is in the future.") % {"value": value.isoformat()})
        if value.year < 1900:
            raise ValidationError(_("The birth date %(value)s is too long ago.") % {"value": value.isoformat()})
    return value


def property_value_clean(prop: CustomProperty, raw):
    """The JSON value to store for `prop` (None when empty), or a ValidationError.

    Numbers are stored as text of a Decimal (exact), dates as ISO text (they sort as dates),
    yes/no as booleans, choices as the choice itself.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if prop.type == CustomProperty.Type.TEXT:
        return str(raw).strip()
    if prop.type == CustomProperty.Type.NUMBER:
        if isinstance(raw, bool):
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}, code="number")
        try:
            number = Decimal(str(raw).strip().replace(",", ".").replace(" ", ""))
        except InvalidOperation as error:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}, code="number") from error
        if not number.is_finite():
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw}, code="number")
        return str(number.to_integral()) if number == number.to_integral() else str(number.normalize())
    if prop.type == CustomProperty.Type.DATE:
        return date_parse(raw).isoformat()
    if prop.type == CustomProperty.Type.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": raw}, code="boolean")
    if prop.type == CustomProperty.Type.CHOICE:
        text = str(raw).strip()
        for choice in prop.choices:
            if choice.lower() == text.lower():
                return choice
        raise ValidationError(
            _("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": ", ".join(prop.choices)},
            code="choice",
        )
    raise ValueError(f"unknown property type {prop.type}")


def property_value_display(prop: CustomProperty, value) -> str:
    if value is None or value == "":
        return ""
    if prop.type == CustomProperty.Type.BOOLEAN:
        return _("Yes") if value else _("No")
    if prop.type == CustomProperty.Type.DATE:
        return localize(datetime.date.fromisoformat(value))
    if prop.type == CustomProperty.Type.NUMBER:
        return localize(Decimal(value))
    return str(value)


# What a customer record needs before it may be Introduced; what is missing sends it to Control.
def customer_missing(customer: Customer, properties: list[CustomProperty]) -> list[str]:
    """Labels of what the record lacks: required default fields and required custom properties."""
    missing = []
    if customer.kind == Customer.Kind.BUSINESS:
        if not customer.company_name:
            missing.append(_("company name"))
        if not customer.registry_code:
            missing.append(_("registry code"))
    else:
        if not customer.first_name:
            missing.append(_("first name"))
        if not customer.last_name:
            missing.append(_("last name"))
    if not customer.phone and not customer.email:
        missing.append(_("phone or e-mail"))
    for prop in properties:
        if prop.is_required and not prop.is_archived and customer.properties.get(prop.code) in (None, ""):
            missing.append(prop.label)
    return missing
