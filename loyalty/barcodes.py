"""Card numbers as barcodes: EAN-13 and EAN-8 with their check digit, and Code 128."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loyalty.models import Symbology
from loyalty.rules import card_number_clean
from sales.rules import ean_check_digit

LENGTHS = {Symbology.EAN13: 13, Symbology.EAN8: 8}
# Code 128 numbers of a range: the prefix and at least this many digits of serial.
CODE128_SERIAL_DIGITS = 8
CODE128_PATTERN = re.compile(r"^[\x20-\x7e]{1,40}$")


def number_clean(number: str, *, symbology: str) -> str:
    """The number as stored (spaces a scanner or a person put in taken out), or a ValidationError
    that says what is wrong with it."""
    number = card_number_clean(number)
    if not number:
        raise ValidationError(_("Type or scan the card's number."))
    if symbology in LENGTHS:
        length = LENGTHS[symbology]
        label = Symbology(symbology).label
        if not number.isdigit():
            raise ValidationError(
                _("An %(kind)s number has only digits; “%(number)s” has others.") % {"kind": label, "number": number}
            )
        if len(number) != length:
            raise ValidationError(
                _("An %(kind)s number has %(length)s digits; “%(number)s” has %(count)s.")
                % {"kind": label, "length": length, "number": number, "count": len(number)}
            )
        expected = str(ean_check_digit(number[:-1]))
        if number[-1] != expected:
            raise ValidationError(
                _("“%(number)s” is not a valid %(kind)s number: its check digit should be %(expected)s.")
                % {"number": number, "kind": label, "expected": expected}
            )
        return number
    if not CODE128_PATTERN.match(number):
        raise ValidationError(
            _("“%(number)s” cannot be a Code 128 number (at most 40 printable characters).") % {"number": number}
        )
    return number


def number_make(*, symbology: str, prefix: str, serial: int) -> str:
    """The card number with `serial` in the type's range (check digit added for EAN)."""
    if symbology in LENGTHS:
        body_length = LENGTHS[symbology] - 1
        body = prefix + str(serial).zfill(body_length - len(prefix))
        if len(body) != body_length:
            raise ValidationError(_("The number range of this card type is used up."))
        return body + str(ean_check_digit(body))
    return prefix + str(serial).zfill(CODE128_SERIAL_DIGITS)


def range_capacity(*, symbology: str, prefix: str) -> int | None:
    """How many numbers the range holds (None: practically unbounded)."""
    if symbology in LENGTHS:
        return 10 ** (LENGTHS[symbology] - 1 - len(prefix)) - 1
    return None


def barcode_svg(*, number: str, symbology: str) -> str:
    """The barcode as an SVG document (python-barcode's SVG writer; no Pillow needed)."""
    from io import BytesIO

    import barcode
    from barcode.writer import SVGWriter

    kinds = {Symbology.EAN13: "ean13", Symbology.EAN8: "ean8", Symbology.CODE128: "code128"}
    code = barcode.get(kinds[symbology], number if symbology == Symbology.CODE128 else number[:-1], writer=SVGWriter())
    buffer = BytesIO()
    code.write(buffer, options={"module_height": 12.0, "font_size": 8, "text_distance": 4.0, "quiet_zone": 4.0})
    svg = buffer.getvalue().decode()
    # The writer starts with an XML declaration and a doctype, which cannot stand inside HTML, and
    # names its group with an id, which would repeat on a page that shows many barcodes.
    return svg[svg.index("<svg") :].replace(' id="barcode_group"', "", 1)
