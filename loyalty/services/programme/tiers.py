"""Tiers (Settings → Loyalty programme → Tiers): customers whose spend over the last 12 months
reaches a tier's threshold earn its multiplier of the base points."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from crm.saving import unique_save
from loyalty.events import tier_changed_event, tier_created_event, tier_deleted_event
from loyalty.models import Tier
from loyalty.services.programme.cleaning import FieldErrors, changes_of, decimal_clean
from staff.models import User


def _tier_fields_clean(*, name: str, min_spend, multiplier, exclude_pk: int | None = None) -> dict:
    errors = FieldErrors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("Give the tier a name."))
    elif len(name) > 60:
        errors.add("name", _("The name is longer than 60 characters."))
    elif Tier.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        errors.add("name", _("A tier named “%(name)s” already exists.") % {"name": name})
    spend = decimal_clean(
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
    clean_multiplier = decimal_clean(
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
    return unique_save(
        tier, conflict=_("Another tier has the same name or threshold: each tier needs its own."), field="min_spend"
    )


@transaction.atomic
def tier_create(*, name: str, min_spend, multiplier, acting_user: User | None) -> Tier:
    """Add a tier: customers whose spend over the last 12 months (sales less returns) reaches
    `min_spend` earn `multiplier` times the base points, when the programme's tiers are on.
    Refused when the name or the threshold is taken, or a number is negative or has more than two
    decimals; nothing is written then."""
    fields = _tier_fields_clean(name=name, min_spend=min_spend, multiplier=multiplier)
    tier = _tier_save(Tier(**fields))
    tier_created_event(tier=tier, values=fields, acting_user=acting_user)
    return tier


@transaction.atomic
def tier_update(*, tier: Tier, name: str, min_spend, multiplier, acting_user: User | None) -> Tier:
    """Change a tier, with the checks of tier_create."""
    fields = _tier_fields_clean(name=name, min_spend=min_spend, multiplier=multiplier, exclude_pk=tier.pk)
    changes = changes_of(tier, fields)
    for field, value in fields.items():
        setattr(tier, field, value)
    _tier_save(tier)
    if changes:
        tier_changed_event(tier=tier, changes=changes, acting_user=acting_user)
    return tier


@transaction.atomic
def tier_delete(*, tier: Tier, acting_user: User | None) -> None:
    """Delete a tier; its customers fall to the next lower tier (or none) from their next sale.
    Points already earned stay."""
    tier_deleted_event(tier=tier, acting_user=acting_user)
    tier.delete()
