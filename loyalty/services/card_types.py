"""Card types (Settings → Cards): what a card is worth and how its numbers look.

Each value is checked here, with a message under the form's field that is wrong, so that a type
the database would refuse (a discount card without a percent, a coupon without a value) is never
sent to it. Only the values that belong to the kind are kept: a gift card has no discount percent.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.saving import unique_save
from loyalty.barcodes import LENGTHS
from loyalty.events import card_type_changed_event, card_type_created_event
from loyalty.models import Card, CardType, Symbology
from sales import rules
from sales.services.products import field_clean
from staff.models import User

# An EAN number's serial keeps at least this many digits, so that a range holds 9,999 cards.
MIN_SERIAL_DIGITS = 4
# A Code 128 prefix fits the model's column; its numbers add at least 8 digits of serial.
CODE128_MAX_PREFIX = CardType._meta.get_field("prefix").max_length
MAX_VALID_DAYS = 36_600
# The values each kind keeps; the others are stored empty.
KIND_VALUES = {
    CardType.Kind.DISCOUNT: {"discount_percent", "valid_days"},
    CardType.Kind.BONUS: {"valid_days"},
    CardType.Kind.GIFT: {"gift_value", "valid_days"},
    CardType.Kind.COUPON: {"coupon_amount", "coupon_percent", "coupon_min_receipt", "coupon_uses", "valid_days"},
}
NUMBERING_FIELDS = ("kind", "symbology", "prefix")


def max_prefix_length(symbology: str) -> int:
    """The longest prefix a type of this barcode may have and still hold a range of cards."""
    if symbology in LENGTHS:
        return LENGTHS[symbology] - 1 - MIN_SERIAL_DIGITS
    return CODE128_MAX_PREFIX


def _percent_clean(raw, *, field: str, label: str) -> Decimal | None:
    text = re.sub(r"\s+", "", str(raw if raw is not None else "")).removesuffix("%")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: _("“%(value)s” is not a number.") % {"value": text}}) from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise ValidationError({field: _("The %(label)s must be more than 0 and at most 100.") % {"label": label}})
    if value.as_tuple().exponent < -2:
        raise ValidationError({field: _("The %(label)s has at most two decimals.") % {"label": label}})
    return value


def _amount_clean(raw, *, field: str, label: str) -> Decimal | None:
    value = field_clean(rules.money_clean, raw, field=field)
    if value is not None and value <= 0:
        raise ValidationError({field: _("The %(label)s must be more than 0.") % {"label": label}})
    return value


def _valid_days_clean(raw) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_VALID_DAYS:
        raise ValidationError(
            {
                "valid_days": _("Give the days a card stays valid as a whole number from 1 to %(max)s.")
                % {"max": MAX_VALID_DAYS}
            }
        )
    return int(text)


def _prefix_clean(raw, *, symbology: str) -> str:
    prefix = re.sub(r"\s+", "", str(raw or ""))
    if prefix and not (prefix.isdigit() and prefix.isascii()):
        raise ValidationError({"prefix": _("A prefix has only digits; “%(prefix)s” has others.") % {"prefix": prefix}})
    longest = max_prefix_length(symbology)
    if len(prefix) > longest:
        if symbology in LENGTHS:
            message = _(
                "An %(kind)s prefix has at most %(max)s digits, so that %(serial)s digits are left for the "
                "card's serial number and one for the check digit; “%(prefix)s” has %(count)s."
            ) % {
                "kind": Symbology(symbology).label,
                "max": longest,
                "serial": MIN_SERIAL_DIGITS,
                "prefix": prefix,
                "count": len(prefix),
            }
        else:
            message = _("A prefix has at most %(max)s digits; “%(prefix)s” has %(count)s.") % {
                "max": longest,
                "prefix": prefix,
                "count": len(prefix),
            }
        raise ValidationError({"prefix": message})
    return prefix


MAX_COUPON_USES = 1000


def _uses_clean(raw) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_COUPON_USES:
        raise ValidationError(
            {"coupon_uses": _("A coupon is used from 1 to %(max)s times.") % {"max": MAX_COUPON_USES}}
        )
    return int(text)


def _groups_set(card_type: CardType, groups) -> tuple[list[str], list[str]] | None:
    """Set a coupon's product groups (none for other kinds); (names before, after) when they changed."""
    wanted = sorted({group.pk for group in groups or ()}) if card_type.kind == CardType.Kind.COUPON else []
    before = list(card_type.coupon_product_groups.order_by("pk"))
    if [group.pk for group in before] == wanted:
        return None
    card_type.coupon_product_groups.set(wanted)
    after = list(card_type.coupon_product_groups.order_by("name"))
    return sorted(group.name for group in before), [group.name for group in after]


def _fields_clean(
    *,
    name,
    kind,
    symbology,
    prefix,
    discount_percent,
    gift_value,
    coupon_amount,
    coupon_percent,
    valid_days,
    card_type: CardType | None,
    coupon_min_receipt=None,
    coupon_uses=None,
) -> dict:
    """The type's values as stored, or a ValidationError with every field's message."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    def run(field: str, cleaner):
        try:
            cleaned[field] = cleaner()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)

    name = " ".join(str(name or "").split())
    if not name:
        errors["name"] = [_("Give the card type a name.")]
    elif CardType.objects.filter(name__iexact=name).exclude(pk=getattr(card_type, "pk", None)).exists():
        errors["name"] = [_("A card type named “%(name)s” exists already.") % {"name": name}]
    cleaned["name"] = name
    if kind not in CardType.Kind.values:
        errors["kind"] = [_("Choose what kind of card this is.")]
    if symbology not in Symbology.values:
        errors["symbology"] = [_("Choose the barcode of the cards.")]
    else:
        run("prefix", lambda: _prefix_clean(prefix, symbology=symbology))
    run("discount_percent", lambda: _percent_clean(discount_percent, field="discount_percent", label=_("discount")))
    run("gift_value", lambda: _amount_clean(gift_value, field="gift_value", label=_("gift card's value")))
    run("coupon_amount", lambda: _amount_clean(coupon_amount, field="coupon_amount", label=_("coupon's value")))
    run(
        "coupon_percent",
        lambda: _percent_clean(coupon_percent, field="coupon_percent", label=_("coupon's discount")),
    )
    run("valid_days", lambda: _valid_days_clean(valid_days))
    run(
        "coupon_min_receipt",
        lambda: _amount_clean(coupon_min_receipt, field="coupon_min_receipt", label=_("minimum receipt")),
    )
    run("coupon_uses", lambda: _uses_clean(coupon_uses))

    # What the kind needs, said for the values that were readable (an unreadable one has its message).
    def missing(field: str) -> bool:
        return field not in errors and cleaned.get(field) is None

    if kind == CardType.Kind.DISCOUNT and missing("discount_percent"):
        errors["discount_percent"] = [_("A discount card needs its discount in per cent.")]
    if kind == CardType.Kind.GIFT and missing("gift_value"):
        errors["gift_value"] = [_("A gift card needs the value it is loaded with.")]
    if kind == CardType.Kind.COUPON and "coupon_amount" not in errors and "coupon_percent" not in errors:
        if cleaned["coupon_amount"] is None and cleaned["coupon_percent"] is None:
            errors["coupon_amount"] = [_("A coupon needs a value or a discount in per cent.")]
        elif cleaned["coupon_amount"] is not None and cleaned["coupon_percent"] is not None:
            errors["coupon_amount"] = [_("Give a coupon either a value or a discount in per cent, not both.")]
    if errors:
        raise ValidationError(errors)

    kept = KIND_VALUES[kind]
    for field in (
        "discount_percent",
        "gift_value",
        "coupon_amount",
        "coupon_percent",
        "coupon_min_receipt",
        "valid_days",
    ):
        if field not in kept:
            cleaned[field] = None
    if "coupon_uses" not in kept or cleaned.get("coupon_uses") is None:
        cleaned["coupon_uses"] = 1
    cleaned["kind"] = kind
    cleaned["symbology"] = symbology

    same_range = CardType.objects.filter(symbology=symbology, prefix=cleaned["prefix"]).exclude(
        pk=getattr(card_type, "pk", None)
    )
    other = same_range.first()
    if other is not None:
        raise ValidationError(
            {
                "prefix": _(
                    "The card type “%(name)s” has the same barcode and prefix; give this one another prefix so "
                    "that their numbers differ."
                )
                % {"name": other.name}
            }
        )
    return cleaned


def _save(card_type: CardType) -> CardType:
    # Two admins saving the same name at once: the unique constraint decides.
    return unique_save(
        card_type, conflict=_("A card type named “%(name)s” exists already.") % {"name": card_type.name}, field="name"
    )


@transaction.atomic
def card_type_create(
    *,
    name: str,
    kind: str,
    symbology: str = Symbology.EAN13,
    prefix: str = "",
    discount_percent=None,
    gift_value=None,
    coupon_amount=None,
    coupon_percent=None,
    valid_days=None,
    coupon_min_receipt=None,
    coupon_uses=None,
    coupon_product_groups=(),
    is_active: bool = True,
    acting_user: User | None,
) -> CardType:
    """Add a card type. Values come as typed ("10", "4,50"); each wrong one is refused with a
    message under its field, and values the kind does not use are dropped."""
    fields = _fields_clean(
        name=name,
        kind=kind,
        symbology=symbology,
        prefix=prefix,
        discount_percent=discount_percent,
        gift_value=gift_value,
        coupon_amount=coupon_amount,
        coupon_percent=coupon_percent,
        valid_days=valid_days,
        card_type=None,
        coupon_min_receipt=coupon_min_receipt,
        coupon_uses=coupon_uses,
    )
    card_type = _save(CardType(**fields, is_active=bool(is_active)))
    groups = _groups_set(card_type, coupon_product_groups)
    values = {**fields, "is_active": card_type.is_active}
    if groups:
        values["coupon_product_groups"] = ", ".join(groups[1])
    card_type_created_event(card_type=card_type, values=values, acting_user=acting_user)
    return card_type


@transaction.atomic
def card_type_update(
    *,
    card_type: CardType,
    name: str,
    kind: str,
    symbology: str,
    prefix: str = "",
    discount_percent=None,
    gift_value=None,
    coupon_amount=None,
    coupon_percent=None,
    valid_days=None,
    coupon_min_receipt=None,
    coupon_uses=None,
    coupon_product_groups=(),
    is_active: bool = True,
    acting_user: User | None,
) -> CardType:
    """Change a card type. Once it has cards, its kind, barcode and prefix stay as they are (the
    cards carry them); its name, values and whether it is active may still change, and a new value
    applies to cards made or assigned from then on."""
    locked = CardType.objects.select_for_update().get(pk=card_type.pk)
    fields = _fields_clean(
        name=name,
        kind=kind,
        symbology=symbology,
        prefix=prefix,
        discount_percent=discount_percent,
        gift_value=gift_value,
        coupon_amount=coupon_amount,
        coupon_percent=coupon_percent,
        valid_days=valid_days,
        card_type=locked,
        coupon_min_receipt=coupon_min_receipt,
        coupon_uses=coupon_uses,
    )
    if locked.last_serial or Card.objects.filter(card_type=locked).exists():
        changed = {field: fields[field] for field in NUMBERING_FIELDS if fields[field] != getattr(locked, field)}
        if changed:
            message = _("The type has cards already, so its kind, barcode and prefix can no longer change.")
            raise ValidationError({field: message for field in changed})
    fields["is_active"] = bool(is_active)
    changes = {
        field: (getattr(locked, field), value) for field, value in fields.items() if getattr(locked, field) != value
    }
    for field, value in fields.items():
        setattr(locked, field, value)
    _save(locked)
    groups = _groups_set(locked, coupon_product_groups)
    if groups:
        changes["coupon_product_groups"] = (", ".join(groups[0]), ", ".join(groups[1]))
    if changes:
        card_type_changed_event(card_type=locked, changes=changes, acting_user=acting_user)
    return locked
