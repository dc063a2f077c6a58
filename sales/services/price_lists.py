"""Price lists, their items and the customer groups they are assigned to (Settings → Price lists).

What a customer pays is answered by sales.selectors.pricing; this module only writes.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers.models import CustomerGroup
from sales import rules
from sales.models import GroupPriceList, PriceList, PriceListItem, Product, ProductGroup
from sales.services.products import field_clean


def _price_list_fields_clean(
    *, name: str, valid_from: datetime.date | None, valid_to: datetime.date | None, exclude_pk: int | None = None
) -> dict:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter the price list's name.")]
    elif PriceList.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        errors["name"] = [_("A price list named “%(name)s” already exists.") % {"name": name}]
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("The period ends before it starts: “valid to” must be on or after “valid from”.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "valid_from": valid_from, "valid_to": valid_to}


def _price_list_save(price_list: PriceList) -> PriceList:
    try:
        with transaction.atomic():
            price_list.save()
    except IntegrityError as error:
        raise ValidationError(
            {"name": _("A price list named “%(name)s” already exists.") % {"name": price_list.name}}
        ) from error
    return price_list


@transaction.atomic
def price_list_create(
    *,
    name: str,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    customer_groups: list[CustomerGroup] | None = None,
) -> PriceList:
    """Add an empty price list, valid in a period (either end open), assigned to
    `customer_groups` if given (see price_list_groups_set). Refused when the name is taken, the
    period ends before it starts or a group has another list; nothing is written then."""
    price_list = _price_list_save(
        PriceList(**_price_list_fields_clean(name=name, valid_from=valid_from, valid_to=valid_to))
    )
    if customer_groups is not None:
        price_list_groups_set(price_list=price_list, customer_groups=customer_groups)
    return price_list


@transaction.atomic
def price_list_update(
    *,
    price_list: PriceList,
    name: str,
    valid_from: datetime.date | None,
    valid_to: datetime.date | None,
    customer_groups: list[CustomerGroup] | None = None,
) -> PriceList:
    """Rename a price list, change its period and (if given) its customer groups, with the checks
    of price_list_create; nothing changes when one of them fails."""
    fields = _price_list_fields_clean(name=name, valid_from=valid_from, valid_to=valid_to, exclude_pk=price_list.pk)
    for field, value in fields.items():
        setattr(price_list, field, value)
    _price_list_save(price_list)
    if customer_groups is not None:
        price_list_groups_set(price_list=price_list, customer_groups=customer_groups)
    return price_list


@transaction.atomic
def price_list_delete(*, price_list: PriceList) -> None:
    """Delete a price list with its items; the customer groups it was assigned to get none (or
    inherit their parent's). Past sales keep the prices they were sold at."""
    price_list.delete()


def _percent_clean(value) -> Decimal:
    text = "".join(str(value).split()).removesuffix("%")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        percent = Decimal(text)
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({"percent_off": _("“%(value)s” is not a number.") % {"value": text}}) from error
    if not percent.is_finite() or percent <= 0 or percent > 100:
        raise ValidationError({"percent_off": _("The percentage off must be more than 0 and at most 100.")})
    if percent.as_tuple().exponent < -2:
        raise ValidationError({"percent_off": _("The percentage off has at most two decimals.")})
    return percent


def _item_fields_clean(
    *,
    price_list: PriceList,
    product: Product | None,
    product_group: ProductGroup | None,
    fixed_price,
    percent_off,
    exclude_pk: int | None = None,
) -> dict:
    if product is not None and product_group is not None:
        raise ValidationError(_("Choose a product or a product group, not both."))
    if product is None and product_group is None:
        raise ValidationError(_("Choose a product or a product group."))
    has_fixed = fixed_price not in (None, "")
    has_percent = percent_off not in (None, "")
    if has_fixed and has_percent:
        raise ValidationError(_("Give a fixed price or a percentage off, not both."))
    if not has_fixed and not has_percent:
        raise ValidationError(_("Give a fixed price or a percentage off."))
    fields = {
        "product": product,
        "product_group": product_group,
        "fixed_price": field_clean(rules.money_clean, fixed_price, field="fixed_price") if has_fixed else None,
        "percent_off": _percent_clean(percent_off) if has_percent else None,
    }
    others = PriceListItem.objects.filter(price_list=price_list).exclude(pk=exclude_pk)
    if product is not None and others.filter(product=product).exists():
        raise ValidationError({"product": _("%(product)s is already in this price list.") % {"product": product}})
    if product_group is not None and others.filter(product_group=product_group).exists():
        raise ValidationError(
            {
                "product_group": _("The product group “%(group)s” is already in this price list.")
                % {"group": product_group.name}
            }
        )
    return fields


def _item_save(item: PriceListItem) -> PriceListItem:
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as error:
        raise ValidationError(_("This product or product group is already in this price list.")) from error
    return item


@transaction.atomic
def price_list_item_add(
    *,
    price_list: PriceList,
    product: Product | None = None,
    product_group: ProductGroup | None = None,
    fixed_price=None,
    percent_off=None,
) -> PriceListItem:
    """Add a special price to a price list: for one product or a whole product group (with its
    sub-groups), either a fixed price or a percentage off (more than 0, at most 100). A product
    or a group is in a list once; a product's own item wins over its group's."""
    fields = _item_fields_clean(
        price_list=price_list,
        product=product,
        product_group=product_group,
        fixed_price=fixed_price,
        percent_off=percent_off,
    )
    return _item_save(PriceListItem(price_list=price_list, **fields))


@transaction.atomic
def price_list_item_update(
    *,
    item: PriceListItem,
    product: Product | None = None,
    product_group: ProductGroup | None = None,
    fixed_price=None,
    percent_off=None,
) -> PriceListItem:
    """Change an item of a price list, with the checks of price_list_item_add."""
    fields = _item_fields_clean(
        price_list=item.price_list,
        product=product,
        product_group=product_group,
        fixed_price=fixed_price,
        percent_off=percent_off,
        exclude_pk=item.pk,
    )
    for field, value in fields.items():
        setattr(item, field, value)
    return _item_save(item)


@transaction.atomic
def price_list_item_remove(*, item: PriceListItem) -> None:
    item.delete()


@transaction.atomic
def price_list_groups_set(*, price_list: PriceList, customer_groups: list[CustomerGroup]) -> None:
    """Assign the price list to exactly `customer_groups`: groups left out lose it (they then
    inherit their parent's list, if any). A customer group has at most one price list: a group
    that has another one is refused with a message naming it, and nothing changes."""
    wanted = {group.pk: group for group in customer_groups}
    taken = (
        GroupPriceList.objects.filter(customer_group_id__in=wanted)
        .exclude(price_list=price_list)
        .select_related("customer_group", "price_list")
        .order_by("customer_group__name")
    )
    refusals = [
        _("The customer group “%(group)s” already has the price list “%(other)s”; take it off there first.")
        % {"group": assignment.customer_group.name, "other": assignment.price_list.name}
        for assignment in taken
    ]
    if refusals:
        raise ValidationError({"customer_groups": refusals})
    GroupPriceList.objects.filter(price_list=price_list).exclude(customer_group_id__in=wanted).delete()
    present = set(GroupPriceList.objects.filter(price_list=price_list).values_list("customer_group_id", flat=True))
    try:
        with transaction.atomic():
            GroupPriceList.objects.bulk_create(
                [
                    GroupPriceList(customer_group=group, price_list=price_list)
                    for pk, group in wanted.items()
                    if pk not in present
                ]
            )
    except IntegrityError as error:
        # Another admin assigned one of these groups a list at the same moment.
        raise ValidationError(
            {"customer_groups": [_("One of these customer groups was just given another price list; try again.")]}
        ) from error
