"""The loyalty programme's settings (Settings → Loyalty programme): one row per retailer."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import CustomerGroup
from loyalty.events import programme_changed_event
from loyalty.models import Programme
from loyalty.services.programme.cleaning import (
    FieldErrors,
    changes_of,
    decimal_clean,
    ids_clean,
    rows_of_this_retailer,
    whole_clean,
)
from staff.models import User


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
    acting_user: User | None,
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
    errors = FieldErrors()
    values = {
        "is_enabled": bool(is_enabled),
        "tiers_enabled": bool(tiers_enabled),
        "points_per_unit": decimal_clean(
            points_per_unit,
            field="points_per_unit",
            errors=errors,
            decimals=3,
            below=Decimal("100000"),
            negative_message=_("Points per currency unit cannot be negative."),
            required_message=_("Give the points a currency unit earns (0 for none)."),
        ),
        "point_value": decimal_clean(
            point_value,
            field="point_value",
            errors=errors,
            decimals=4,
            below=Decimal("10000"),
            negative_message=_("The value of a point cannot be negative."),
            required_message=_("Give what one point pays (0 if points cannot pay)."),
        ),
        "max_redeem_percent": decimal_clean(
            max_redeem_percent,
            field="max_redeem_percent",
            errors=errors,
            decimals=2,
            below=Decimal("1000"),
            negative_message=_("The share of a receipt cannot be negative."),
            required_message=_("Give the largest share of a receipt points may pay (0 to 100 per cent)."),
        ),
        "expiry_months": whole_clean(
            expiry_months,
            field="expiry_months",
            errors=errors,
            negative_message=_("The months before points expire cannot be negative."),
            minimum=1,
            minimum_message=_("Points expire after one month at the earliest; leave the field empty if they never do."),
        ),
        "welcome_bonus": whole_clean(
            welcome_bonus,
            field="welcome_bonus",
            errors=errors,
            negative_message=_("A bonus cannot be negative."),
        )
        or 0,
        "birthday_bonus": whole_clean(
            birthday_bonus,
            field="birthday_bonus",
            errors=errors,
            negative_message=_("A bonus cannot be negative."),
        )
        or 0,
        "adjustment_cap": whole_clean(
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
    group_ids = ids_clean(no_earning_group_ids, field="no_earning_groups", errors=errors)
    groups = rows_of_this_retailer(
        CustomerGroup,
        group_ids,
        field="no_earning_groups",
        errors=errors,
        message=_("No customer group has the id %(ids)s here."),
    )
    errors.raise_if_any()

    # The row is made the first time the programme is saved; until then it is read with its
    # defaults (loyalty.selectors.programme.programme_read).
    Programme.objects.get_or_create(pk=1)
    programme = Programme.objects.select_for_update().get(pk=1)
    changes = changes_of(programme, values)
    for field, value in values.items():
        setattr(programme, field, value)
    programme.save()
    old_groups = list(programme.no_earning_groups.order_by("name", "pk"))
    if {group.pk for group in old_groups} != set(group_ids):
        changes["no_earning_groups"] = (old_groups, sorted(groups, key=lambda group: (group.name, group.pk)))
        programme.no_earning_groups.set(groups)
    if changes:
        programme_changed_event(changes=changes, acting_user=acting_user)
    return programme
