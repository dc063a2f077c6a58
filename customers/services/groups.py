from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.saving import unique_save
from crm.tree import tree_move_check
from customers.models import Customer, CustomerEvent, CustomerGroup
from staff.models import User


def _name_clean(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the group's name.")})
    return name


def _save(group: CustomerGroup) -> CustomerGroup:
    return unique_save(
        group, field="name", conflict=_("A group with this name already exists at this place in the tree.")
    )


@transaction.atomic
def group_create(*, name: str, parent: CustomerGroup | None = None) -> CustomerGroup:
    return _save(CustomerGroup(name=_name_clean(name), parent=parent))


@transaction.atomic
def group_update(*, group: CustomerGroup, name: str, parent: CustomerGroup | None) -> CustomerGroup:
    """Rename or move a group; its sub-groups and customers move with it. A group cannot move
    below itself or one of its own sub-groups."""
    tree_move_check(group, parent)
    group.name = _name_clean(name)
    group.parent = parent
    return _save(group)


@transaction.atomic
def group_delete(*, group: CustomerGroup, move_customers_to: CustomerGroup | None, acting_user: User | None) -> int:
    """Delete a group: its customers go to `move_customers_to` (None: no group), its sub-groups
    to its parent. Nothing is left pointing at it. Returns how many customers moved."""
    if move_customers_to is not None and move_customers_to.pk == group.pk:
        raise ValidationError({"move_customers_to": _("Choose another group than the one being deleted.")})
    customers = list(Customer.objects.filter(group=group).select_for_update(no_key=True, of=("self",)))
    CustomerEvent.objects.bulk_create(
        [
            CustomerEvent(
                customer=customer,
                kind=CustomerEvent.Kind.CHANGED,
                field="group",
                old_value=group.name,
                new_value=move_customers_to.name if move_customers_to else "",
                actor=acting_user,
            )
            for customer in customers
        ],
        batch_size=1000,
    )
    Customer.objects.filter(group=group).update(group=move_customers_to)
    for child in CustomerGroup.objects.filter(parent=group):
        child.parent = group.parent
        _save(child)
    group.delete()
    return len(customers)
