"""Earning rules (Settings → Loyalty programme → Rules): what a product, a product group or every
product earns, under conditions. Which points a basket earns is read by loyalty.selectors.earning."""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from crm.saving import unique_save
from customers.models import CustomerGroup
from loyalty.events import earning_rule_changed_event, earning_rule_created_event, earning_rule_deleted_event
from loyalty.models import EarnedLine, EarningRule
from loyalty.services.programme.cleaning import (
    ISO_WEEKDAYS,
    FieldErrors,
    changes_of,
    decimal_clean,
    ids_clean,
    number_text,
    rows_of_this_retailer,
    whole_clean,
)
from sales.models import Product, ProductGroup, Store
from staff.models import User


def _by_name(rows: list) -> list:
    return sorted(rows, key=lambda row: (str(row), row.pk))


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
    errors = FieldErrors()
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
        clean_multiplier = decimal_clean(
            multiplier,
            field="multiplier",
            errors=errors,
            decimals=2,
            below=Decimal("10000"),
            negative_message=_("The multiplier cannot be negative."),
            required_message=_("A multiplier rule needs its multiplier, e.g. 2 for double points."),
        )
    elif kind == EarningRule.Kind.FIXED:
        text = number_text(fixed_points)
        if not text:
            errors.add("fixed_points", _("A fixed-points rule needs its points per item."))
        else:
            clean_fixed = whole_clean(
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
        product = Product.objects.by_code(code).first()
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

    clean_minimum = decimal_clean(
        min_receipt_amount,
        field="min_receipt_amount",
        errors=errors,
        decimals=2,
        below=Decimal("1000000000000"),
        negative_message=_("The minimum receipt amount cannot be negative."),
    )
    stores = rows_of_this_retailer(
        Store,
        ids_clean(store_ids, field="stores", errors=errors),
        field="stores",
        errors=errors,
        message=_("No store has the id %(ids)s here."),
    )
    groups = rows_of_this_retailer(
        CustomerGroup,
        ids_clean(customer_group_ids, field="customer_groups", errors=errors),
        field="customer_groups",
        errors=errors,
        message=_("No customer group has the id %(ids)s here."),
    )
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        errors.add(
            "valid_until", _("The period ends before it starts: “valid until” must be on or after “valid from”.")
        )
    days = ids_clean(weekdays, field="weekdays", errors=errors)
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
    # The checks above match the table's; this is the database saying the same.
    unique_save(rule, conflict=_("The rule could not be saved: the database refused its values."))
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
    acting_user: User | None,
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
    earning_rule_created_event(
        rule=rule, values={**fields, "stores": stores, "customer_groups": groups}, acting_user=acting_user
    )
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
    acting_user: User | None,
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
    changes = changes_of(rule, fields)
    for name, old, new in (
        ("stores", list(rule.stores.all()), stores),
        ("customer_groups", list(rule.customer_groups.all()), groups),
    ):
        if {row.pk for row in old} != {row.pk for row in new}:
            changes[name] = (_by_name(old), _by_name(new))
    for field, value in fields.items():
        setattr(rule, field, value)
    _rule_save(rule, stores=stores, groups=groups)
    if changes:
        earning_rule_changed_event(rule=rule, changes=changes, acting_user=acting_user)
    return rule


@transaction.atomic
def earning_rule_delete(*, rule: EarningRule, acting_user: User | None) -> bool:
    """Delete a rule that never earned points and return True. A rule that did is only
    deactivated (and False returned), so that the points it gave still name the rule."""
    if EarnedLine.objects.filter(rule=rule).exists():
        if rule.is_active:
            EarningRule.objects.filter(pk=rule.pk).update(is_active=False)
            rule.is_active = False
            earning_rule_changed_event(rule=rule, changes={"is_active": (True, False)}, acting_user=acting_user)
        return False
    earning_rule_deleted_event(rule=rule, acting_user=acting_user)
    rule.delete()
    return True
