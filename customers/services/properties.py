import re

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from customers.events import property_archived_event, property_changed_event, property_created_event
from customers.models import Customer, CustomerEvent, CustomProperty
from customers.rules import property_value_clean
from customers.services.customers import history_value
from staff.models import User

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# The settings of a property whose changes its history records.
SETTINGS = ("label_en", "label_de", "label_et", "type", "choices", "is_required", "is_shown_in_list", "position")


def property_index_name(prop: CustomProperty) -> str:
    return f"customer_property_{prop.pk}_idx"


def property_index(prop: CustomProperty) -> models.Index | None:
    """The B-tree index that makes range filters on a number or date property fast. It is built
    from the very expression the list's filter uses, so PostgreSQL can use it."""
    text = KeyTextTransform(prop.code, "properties")
    if prop.type == CustomProperty.Type.NUMBER:
        return models.Index(Cast(text, models.FloatField()), name=property_index_name(prop))
    if prop.type == CustomProperty.Type.DATE:
        # Dates are stored as ISO text, which sorts as the dates do; a cast to date would not be
        # IMMUTABLE (it depends on DateStyle), so the text itself is indexed.
        return models.Index(text, name=property_index_name(prop))
    return None


def _index_drop(prop: CustomProperty) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX IF EXISTS "{property_index_name(prop)}"')


def _index_create(prop: CustomProperty) -> None:
    index = property_index(prop)
    if index is not None:
        with connection.cursor() as cursor:
            # Rows written earlier in this transaction leave deferred foreign-key checks pending,
            # and PostgreSQL builds no index on a table with pending checks: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with connection.schema_editor(atomic=False) as editor:
            editor.add_index(Customer, index)


def _stored_as_text(value) -> str:
    """A stored value as a person would type it, to convert it to another type."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _choices_clean(prop_type: str, choices: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(choice.strip() for choice in choices if choice.strip()))
    if prop_type == CustomProperty.Type.CHOICE and len(cleaned) < 2:
        raise ValidationError({"choices": _("A list needs at least two choices, one per line.")})
    return cleaned if prop_type == CustomProperty.Type.CHOICE else []


@transaction.atomic
def property_create(
    *,
    code: str,
    label_en: str,
    label_de: str = "",
    label_et: str = "",
    type: str,
    choices: list[str] | None = None,
    is_required: bool = False,
    is_shown_in_list: bool = False,
    position: int = 0,
    acting_user: User | None = None,
) -> CustomProperty:
    """Add a property to every customer (with an index where its filters need one); its history
    records who did."""
    code = code.strip().lower()
    if not CODE_PATTERN.match(code):
        raise ValidationError({"code": _("Use lower-case letters, digits and underscores, starting with a letter.")})
    if CustomProperty.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A property with this code exists already.")})
    if not label_en.strip():
        raise ValidationError({"label_en": _("Enter the label in English.")})
    prop = CustomProperty.objects.create(
        code=code,
        label_en=label_en.strip(),
        label_de=label_de.strip(),
        label_et=label_et.strip(),
        type=type,
        choices=_choices_clean(type, choices or []),
        is_required=is_required,
        is_shown_in_list=is_shown_in_list,
        position=position,
    )
    _index_create(prop)
    property_created_event(prop=prop, acting_user=acting_user)
    return prop


def _setting_text(value) -> str:
    return "\n".join(value) if isinstance(value, list) else str(value)


@transaction.atomic
def property_update(
    *,
    prop: CustomProperty,
    label_en: str,
    label_de: str,
    label_et: str,
    type: str,
    choices: list[str],
    is_required: bool,
    is_shown_in_list: bool,
    position: int,
    acting_user: User | None = None,
) -> CustomProperty:
    """Change a property. A new type, or a shorter list of choices, is refused when a stored value
    would not convert; otherwise every stored value is converted in the same transaction, each
    converted value written to its customer's history. The property's history records each
    changed setting, old and new, and who changed it."""
    prop = CustomProperty.objects.select_for_update().get(pk=prop.pk)
    new = CustomProperty(pk=prop.pk, code=prop.code, type=type, choices=_choices_clean(type, choices))
    if not label_en.strip():
        raise ValidationError({"label_en": _("Enter the label in English.")})
    type_changed = new.type != prop.type
    if type_changed or new.choices != prop.choices:
        customers = Customer.objects.filter(properties__has_key=prop.code).only("pk", "properties")
        converted, refused, events = [], [], []
        for customer in customers.iterator(chunk_size=2000):
            value = customer.properties[prop.code]
            try:
                new_value = property_value_clean(new, _stored_as_text(value))
            except ValidationError:
                refused.append(value)
                continue
            if new_value != value:
                customer.properties[prop.code] = new_value
                converted.append(customer)
                events.append(
                    CustomerEvent(
                        customer=customer,
                        kind=CustomerEvent.Kind.CHANGED,
                        field=f"property:{prop.code}",
                        old_value=history_value(value),
                        new_value=history_value(new_value),
                        actor=acting_user,
                        source="back office",
                    )
                )
        if refused:
            examples = ", ".join(sorted({str(value) for value in refused})[:3])
            raise ValidationError(
                {
                    "type": _(
                        "%(count)s stored values would not fit (e.g. %(examples)s); change them first or keep the type."
                    )
                    % {"count": len(refused), "examples": examples}
                }
            )
        Customer.objects.bulk_update(converted, ["properties"], batch_size=1000)
        CustomerEvent.objects.bulk_create(events, batch_size=1000)
    if type_changed:
        _index_drop(prop)
    before = {name: getattr(prop, name) for name in SETTINGS}
    prop.label_en, prop.label_de, prop.label_et = label_en.strip(), label_de.strip(), label_et.strip()
    prop.type, prop.choices = new.type, new.choices
    prop.is_required, prop.is_shown_in_list, prop.position = is_required, is_shown_in_list, position
    prop.save()
    if type_changed:
        _index_create(prop)
    changes = {
        name: [_setting_text(before[name]), _setting_text(getattr(prop, name))]
        for name in SETTINGS
        if before[name] != getattr(prop, name)
    }
    property_changed_event(prop=prop, changes=changes, acting_user=acting_user)
    return prop


@transaction.atomic
def property_archive(
    *, prop: CustomProperty, is_archived: bool = True, acting_user: User | None = None
) -> CustomProperty:
    """Archive a property (its values stay, shown as archived) or bring it back; its history
    records who did (nothing is recorded when it was so already)."""
    changed = prop.is_archived != is_archived
    prop.is_archived = is_archived
    prop.save(update_fields=["is_archived"])
    if changed:
        property_archived_event(prop=prop, is_archived=is_archived, acting_user=acting_user)
    return prop
