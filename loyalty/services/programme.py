"""The loyalty programme's settings, its earning rules and its tiers (Settings → Loyalty programme).

Every writer here takes what a person typed (text for numbers, ids for stores and groups, a code
for a product) and refuses with a ValidationError whose messages are filed under the field they
concern, so the screens, an import or an API refuse the same things with the same words. A refused
call writes nothing. Which points a basket earns is answered by loyalty.services.earning.
"""

import datetime
import logging
import re
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.models import CustomerGroup
from loyalty.models import EarnedLine, EarningRule, Programme, Tier
from loyalty.services.ledger import programme_get
from sales.models import Product, ProductGroup, Store

logger = logging.getLogger(__name__)

# Digits with an optional decimal part, an optional sign; no exponent, no "NaN" or "Infinity".
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_WHOLE = re.compile(r"^-?\d+$")
# The largest value a PositiveIntegerField holds.
WHOLE_MAX = 2_147_483_647
ISO_WEEKDAYS = range(1, 8)


class _Errors:
    """Messages collected field by field, so one refusal names every problem at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _number_text(raw) -> str:
    """A number as a person typed it, spaces dropped and a decimal comma read as a point."""
    text = re.sub(r"\s+", "", str(raw if raw is not None else ""))
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    return text


def _decimal_clean(
    raw,
    *,
    field: str,
    errors: _Errors,
    decimals: int,
    below: Decimal,
    negative_message: str,
    required_message: str | None = None,
) -> Decimal | None:
    """A decimal of at most `decimals` places, not negative and less than `below` (what the
    column holds); None when empty (refused with `required_message` when one is given). A
    problem is added to `errors` under `field` and None returned."""
    if isinstance(raw, Decimal):
        raw = format(raw, "f")
    text = _number_text(raw)
    if not text:
        if required_message:
            errors.add(field, required_message)
        return None
    if not _NUMBER.match(text):
        errors.add(field, _("“%(value)s” is not a number.") % {"value": text})
        return None
    value = Decimal(text)
    if value < 0:
        errors.add(field, negative_message)
        return None
    if value.as_tuple().exponent < -decimals:
        errors.add(
            field,
            ngettext(
                "“%(value)s” has too many decimals: at most %(count)s is allowed.",
                "“%(value)s” has too many decimals: at most %(count)s are allowed.",
                decimals,
            )
            % {"value": text, "count": decimals},
        )
        return None
    if value >= below:
        errors.add(field, _("“%(value)s” is too large.") % {"value": text})
        return None
    return value


def _whole_clean(
    raw,
    *,
    field: str,
    errors: _Errors,
    negative_message: str,
    minimum: int = 0,
    minimum_message: str | None = None,
) -> int | None:
    """A whole number of at least `minimum`; None when empty."""
    text = _number_text(raw)
    if not text:
        return None
    if not _WHOLE.match(text):
        errors.add(field, _("“%(value)s” is not a whole number.") % {"value": text})
        return None
    value = int(text)
    if value < 0:
        errors.add(field, negative_message)
        return None
    if value < minimum:
        errors.add(field, minimum_message or negative_message)
        return None
    if value > WHOLE_MAX:
        errors.add(field, _("“%(value)s” is too large.") % {"value": text})
        return None
    return value


def _ids_clean(raw_ids: Iterable, *, field: str, errors: _Errors) -> list[int]:
    ids = []
    for raw in raw_ids or ():
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            errors.add(field, _("“%(value)s” is not an id.") % {"value": raw})
    return sorted(set(ids))


def _rows_of_this_retailer(model, ids: list[int], *, field: str, errors: _Errors, message: str) -> list:
    """The rows with these ids; an id with no row here (another retailer's, or deleted) is
    refused, naming it."""
    rows = list(model.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {row.pk for row in rows})
    if missing:
        errors.add(field, message % {"ids": ", ".join(str(pk) for pk in missing)})
    return rows


def _changes(instance, values: dict) -> dict[str, tuple]:
    return {
        field: (getattr(instance, field), value) for field, value in values.items() if getattr(instance, field) != value
    }


# --- the programme ------------------------------------------------------------------------------


@transaction.atomic
def programme_update(
    *,
    is_enabled: bool,
    points_per_unit,
    rounding: str,
    point_value,
    max_redeem_percent,
    expiry_months=None,
    welcome_bonus=None,
    birthday_bonus=None,
    negative_policy: str,
    adjustment_cap=None,
    tiers_enabled: bool,
    no_earning_group_ids: Iterable = (),
    author=None,
) -> Programme:
    """Change the programme's settings: whether it runs, the points a currency unit earns (up to
    three decimals) and how a receipt's points are rounded, what a point pays (up to four
    decimals) and the largest share of a receipt points may pay (0–100 %), when points expire
    (empty: never), the welcome and birthday bonuses (empty: none), what a return does to spent
    points, the largest manual adjustment (empty: no limit), whether tiers apply, and the customer
    groups (with their sub-groups) that earn nothing.

    Refused, with every problem named under its field and nothing written: a negative number, a
    share over 100 %, more decimals than allowed, a whole number that is not one, an unknown
    rounding or return policy, a customer group that does not exist here.
    """
    errors = _Errors()
    values = {
        "is_enabled": bool(is_enabled),
        "tiers_enabled": bool(tiers_enabled),
        "points_per_unit": _decimal_clean(
            points_per_unit,
            field="points_per_unit",
            errors=errors,
            decimals=3,
            below=Decimal("100000"),
            negative_message=_("Points per currency unit cannot be negative."),
            required_message=_("Give the points a currency unit earns (0 for none)."),
        ),
        "point_value": _decimal_clean(
            point_value,
            field="point_value",
            errors=errors,
            decimals=4,
            below=Decimal("10000"),
            negative_message=_("The value of a point cannot be negative."),
            required_message=_("Give what one point pays (0 if points cannot pay)."),
        ),
        "max_redeem_percent": _decimal_clean(
            max_redeem_percent,
            field="max_redeem_percent",
            errors=errors,
            decimals=2,
            below=Decimal("1000"),
            negative_message=_("The share of a receipt cannot be negative."),
            required_message=_("Give the largest share of a receipt points may pay (0 to 100 per cent)."),
        ),
        "expiry_months": _whole_clean(
            expiry_months,
            field="expiry_months",
            errors=errors,
            negative_message=_("The months before points expire cannot be negative."),
            minimum=1,
            minimum_message=_("Points expire after one month at the earliest; leave the field empty if they never do."),
        ),
        "welcome_bonus": _whole_clean(
            welcome_bonus,
            field="welcome_bonus",
            errors=errors,
            negative_message=_("A bonus cannot be negative."),
        )
        or 0,
        "birthday_bonus": _whole_clean(
            birthday_bonus,
            field="birthday_bonus",
            errors=errors,
            negative_message=_("A bonus cannot be negative."),
        )
        or 0,
        "adjustment_cap": _whole_clean(
            adjustment_cap,
            field="adjustment_cap",
            errors=errors,
            negative_message=_("The largest adjustment cannot be negative."),
        ),
        "rounding": rounding,
        "negative_policy": negative_policy,
    }
    if values["max_redeem_percent"] is not None and values["max_redeem_percent"] > 100:
        errors.add("max_redeem_percent", _("Points cannot pay more than the whole receipt (100 per cent)."))
    if rounding not in Programme.Rounding.values:
        errors.add("rounding", _("Choose how the points of a receipt are rounded."))
    if negative_policy not in Programme.NegativePolicy.values:
        errors.add("negative_policy", _("Choose what a return does when the points were spent already."))
    group_ids = _ids_clean(no_earning_group_ids, field="no_earning_groups", errors=errors)
    groups = _rows_of_this_retailer(
        CustomerGroup,
        group_ids,
        field="no_earning_groups",
        errors=errors,
        message=_("No customer group has the id %(ids)s here."),
    )
    errors.raise_if_any()

    programme_get()
    programme = Programme.objects.select_for_update().get(pk=1)
    changes = _changes(programme, values)
    for field, value in values.items():
        setattr(programme, field, value)
    programme.save()
    old_groups = set(programme.no_earning_groups.values_list("pk", flat=True))
    if old_groups != set(group_ids):
        changes["no_earning_groups"] = (sorted(old_groups), group_ids)
        programme.no_earning_groups.set(groups)
    if changes:
        logger.info("loyalty programme changed by %s: %s", getattr(author, "pk", None), changes)
    return programme


# --- earning rules ------------------------------------------------------------------------------


def product_by_code(code: str) -> Product | None:
    """The product whose SKU or EAN barcode is `code` (spaces around ignored), or None."""
    code = (code or "").strip()
    if not code:
        return None
    return Product.objects.filter(Q(sku=code) | Q(ean=code)).first()


def _rule_fields_clean(
    *,
    name: str,
    kind: str,
    multiplier,
    fixed_points,
    product_code: str,
    product_group_id,
    min_receipt_amount,
    store_ids: Iterable,
    customer_group_ids: Iterable,
    valid_from: datetime.date | None,
    valid_until: datetime.date | None,
    weekdays: Iterable,
    is_active: bool,
    exclude_pk: int | None = None,
) -> tuple[dict, list[Store], list[CustomerGroup]]:
    errors = _Errors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("Give the rule a name: the points' explanation shows it."))
    elif len(name) > 100:
        errors.add("name", _("The name is longer than 100 characters."))
    elif EarningRule.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        errors.add("name", _("A rule named “%(name)s” already exists.") % {"name": name})

    if kind not in EarningRule.Kind.values:
        errors.add("kind", _("Choose what the rule does: multiply points, give fixed points per item or earn nothing."))
    clean_multiplier = clean_fixed = None
    if kind == EarningRule.Kind.MULTIPLIER:
        clean_multiplier = _decimal_clean(
            multiplier,
            field="multiplier",
            errors=errors,
            decimals=2,
            below=Decimal("10000"),
            negative_message=_("The multiplier cannot be negative."),
            required_message=_("A multiplier rule needs its multiplier, e.g. 2 for double points."),
        )
    elif kind == EarningRule.Kind.FIXED:
        text = _number_text(fixed_points)
        if not text:
            errors.add("fixed_points", _("A fixed-points rule needs its points per item."))
        else:
            clean_fixed = _whole_clean(
                text,
                field="fixed_points",
                errors=errors,
                negative_message=_("Points per item cannot be negative."),
                minimum=1,
                minimum_message=_("Give at least 1 point per item; for none, choose “Earns nothing”."),
            )

    product = product_group = None
    code = (product_code or "").strip()
    if code:
        product = product_by_code(code)
        if product is None:
            errors.add("product_code", _("No product has the code “%(code)s” (SKU or EAN barcode).") % {"code": code})
    if product_group_id not in (None, ""):
        try:
            product_group = ProductGroup.objects.filter(pk=int(product_group_id)).first()
        except (TypeError, ValueError):
            product_group = None
        if product_group is None:
            errors.add("product_group", _("No product group has the id %(id)s here.") % {"id": product_group_id})
    if code and product_group_id not in (None, ""):
        errors.add(
            "product_group",
            _("A rule is for one product or one product group, not both: clear the product code or the group."),
        )

    clean_minimum = _decimal_clean(
        min_receipt_amount,
        field="min_receipt_amount",
        errors=errors,
        decimals=2,
        below=Decimal("1000000000000"),
        negative_message=_("The minimum receipt amount cannot be negative."),
    )
    stores = _rows_of_this_retailer(
        Store,
        _ids_clean(store_ids, field="stores", errors=errors),
        field="stores",
        errors=errors,
        message=_("No store has the id %(ids)s here."),
    )
    groups = _rows_of_this_retailer(
        CustomerGroup,
        _ids_clean(customer_group_ids, field="customer_groups", errors=errors),
        field="customer_groups",
        errors=errors,
        message=_("No customer group has the id %(ids)s here."),
    )
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        errors.add(
            "valid_until", _("The period ends before it starts: “valid until” must be on or after “valid from”.")
        )
    days = _ids_clean(weekdays, field="weekdays", errors=errors)
    if any(day not in ISO_WEEKDAYS for day in days):
        errors.add("weekdays", _("Days of the week are numbered 1 (Monday) to 7 (Sunday)."))
    errors.raise_if_any()
    fields = {
        "name": name,
        "kind": kind,
        "multiplier": clean_multiplier,
        "fixed_points": clean_fixed,
        "product": product,
        "product_group": product_group,
        "min_receipt_amount": clean_minimum,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "weekdays": days,
        "is_active": bool(is_active),
    }
    return fields, stores, groups


def _rule_save(rule: EarningRule, *, stores: list[Store], groups: list[CustomerGroup]) -> EarningRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as error:
        # The form's checks match the table's; this is the database saying the same.
        raise ValidationError(_("The rule could not be saved: %(error)s") % {"error": error}) from error
    rule.stores.set(stores)
    rule.customer_groups.set(groups)
    return rule


@transaction.atomic
def earning_rule_create(
    *,
    name: str,
    kind: str,
    multiplier=None,
    fixed_points=None,
    product_code: str = "",
    product_group_id=None,
    min_receipt_amount=None,
    store_ids: Iterable = (),
    customer_group_ids: Iterable = (),
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    weekdays: Iterable = (),
    is_active: bool = True,
    author=None,
) -> EarningRule:
    """Add an earning rule: for one product (by SKU or EAN), one product group (with its
    sub-groups) or, with neither, every product; it multiplies the points, gives fixed points per
    item or excludes them; under conditions that all must hold (none given: always): a minimum
    receipt amount, stores, customer groups (with their sub-groups), a period, days of the week.

    Refused, naming each problem under its field, with nothing written: no name or a taken one, a
    multiplier rule without its multiplier or with a negative one, a fixed rule without its points,
    both a product and a group, an unknown product code, a store or customer group that does not
    exist here, a period that ends before it starts, a day of the week outside 1–7.
    """
    fields, stores, groups = _rule_fields_clean(
        name=name,
        kind=kind,
        multiplier=multiplier,
        fixed_points=fixed_points,
        product_code=product_code,
        product_group_id=product_group_id,
        min_receipt_amount=min_receipt_amount,
        store_ids=store_ids,
        customer_group_ids=customer_group_ids,
        valid_from=valid_from,
        valid_until=valid_until,
        weekdays=weekdays,
        is_active=is_active,
    )
    rule = _rule_save(EarningRule(**fields), stores=stores, groups=groups)
    logger.info("earning rule %s created by %s", rule.pk, getattr(author, "pk", None))
    return rule


@transaction.atomic
def earning_rule_update(
    *,
    rule: EarningRule,
    name: str,
    kind: str,
    multiplier=None,
    fixed_points=None,
    product_code: str = "",
    product_group_id=None,
    min_receipt_amount=None,
    store_ids: Iterable = (),
    customer_group_ids: Iterable = (),
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    weekdays: Iterable = (),
    is_active: bool = True,
    author=None,
) -> EarningRule:
    """Change an earning rule, with the checks of earning_rule_create; nothing changes when one
    fails. Points already earned stay as they were."""
    fields, stores, groups = _rule_fields_clean(
        name=name,
        kind=kind,
        multiplier=multiplier,
        fixed_points=fixed_points,
        product_code=product_code,
        product_group_id=product_group_id,
        min_receipt_amount=min_receipt_amount,
        store_ids=store_ids,
        customer_group_ids=customer_group_ids,
        valid_from=valid_from,
        valid_until=valid_until,
        weekdays=weekdays,
        is_active=is_active,
        exclude_pk=rule.pk,
    )
    changes = _changes(rule, fields)
    for field, value in fields.items():
        setattr(rule, field, value)
    _rule_save(rule, stores=stores, groups=groups)
    logger.info("earning rule %s changed by %s: %s", rule.pk, getattr(author, "pk", None), changes)
    return rule


@transaction.atomic
def earning_rule_delete(*, rule: EarningRule, author=None) -> bool:
    """Delete a rule that never earned points and return True. A rule that did is only
    deactivated (and False returned), so that the points it gave still name the rule."""
    if EarnedLine.objects.filter(rule=rule).exists():
        EarningRule.objects.filter(pk=rule.pk).update(is_active=False)
        rule.is_active = False
        logger.info("earning rule %s deactivated by %s", rule.pk, getattr(author, "pk", None))
        return False
    logger.info("earning rule %s (%s) deleted by %s", rule.pk, rule.name, getattr(author, "pk", None))
    rule.delete()
    return True


# --- tiers --------------------------------------------------------------------------------------


def _tier_fields_clean(*, name: str, min_spend, multiplier, exclude_pk: int | None = None) -> dict:
    errors = _Errors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("Give the tier a name."))
    elif len(name) > 60:
        errors.add("name", _("The name is longer than 60 characters."))
    elif Tier.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        errors.add("name", _("A tier named “%(name)s” already exists.") % {"name": name})
    spend = _decimal_clean(
        min_spend,
        field="min_spend",
        errors=errors,
        decimals=2,
        below=Decimal("1000000000000"),
        negative_message=_("The spend a tier starts from cannot be negative."),
        required_message=_("Give the spend over 12 months the tier starts from (0 for every customer)."),
    )
    if spend is not None:
        other = Tier.objects.filter(min_spend=spend).exclude(pk=exclude_pk).first()
        if other is not None:
            errors.add(
                "min_spend",
                _("The tier “%(other)s” starts from the same spend: each tier needs a threshold of its own.")
                % {"other": other.name},
            )
    clean_multiplier = _decimal_clean(
        multiplier,
        field="multiplier",
        errors=errors,
        decimals=2,
        below=Decimal("10000"),
        negative_message=_("The multiplier cannot be negative."),
        required_message=_("Give the tier's multiplier, e.g. 1.5 for half as many points again."),
    )
    errors.raise_if_any()
    return {"name": name, "min_spend": spend, "multiplier": clean_multiplier}


def _tier_save(tier: Tier) -> Tier:
    try:
        with transaction.atomic():
            tier.save()
    except IntegrityError as error:
        raise ValidationError(
            {"min_spend": _("Another tier has the same name or threshold: each tier needs its own.")}
        ) from error
    return tier


@transaction.atomic
def tier_create(*, name: str, min_spend, multiplier, author=None) -> Tier:
    """Add a tier: customers whose spend over the last 12 months (sales less returns) reaches
    `min_spend` earn `multiplier` times the base points, when the programme's tiers are on.
    Refused when the name or the threshold is taken, or a number is negative or has more than two
    decimals; nothing is written then."""
    tier = _tier_save(Tier(**_tier_fields_clean(name=name, min_spend=min_spend, multiplier=multiplier)))
    logger.info("tier %s created by %s", tier.pk, getattr(author, "pk", None))
    return tier


@transaction.atomic
def tier_update(*, tier: Tier, name: str, min_spend, multiplier, author=None) -> Tier:
    """Change a tier, with the checks of tier_create."""
    fields = _tier_fields_clean(name=name, min_spend=min_spend, multiplier=multiplier, exclude_pk=tier.pk)
    changes = _changes(tier, fields)
    for field, value in fields.items():
        setattr(tier, field, value)
    _tier_save(tier)
    logger.info("tier %s changed by %s: %s", tier.pk, getattr(author, "pk", None), changes)
    return tier


@transaction.atomic
def tier_delete(*, tier: Tier, author=None) -> None:
    """Delete a tier; its customers fall to the next lower tier (or none) from their next sale.
    Points already earned stay."""
    logger.info("tier %s (%s) deleted by %s", tier.pk, tier.name, getattr(author, "pk", None))
    tier.delete()
