"""Roles and rights, as in the table of PRODUCT.md.

Every right is a permission on staff.User (app label "staff"); each role is a Django group that
holds its rights. The group rows are written by a data migration from ROLE_RIGHTS, so this module
is the one place where the table lives. "May adjust loyalty points" is granted to a marketer or
a cashier one by one, as a user permission.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Owner / admin")
    MARKETER = "marketer", _("Marketer")
    CASHIER = "cashier", _("Cashier")


class Right(models.TextChoices):
    VIEW_CUSTOMERS = "view_customers", _("See and search customers, open the card")
    CREATE_CUSTOMERS = "create_customers", _("Create a customer with minimal data")
    EDIT_CUSTOMERS = "edit_customers", _("Edit customers fully")
    MANAGE_CUSTOMERS = "manage_customers", _("Archive, merge, bulk actions, import and export customers")
    MANAGE_CARDS = "manage_cards", _("Assign, replace and block cards")
    ADJUST_POINTS = "adjust_points", _("May adjust loyalty points")
    USE_MARKETING = "use_marketing", _("Reports, segments and campaigns")
    MANAGE_SETTINGS = (
        "manage_settings",
        _("Settings: properties, groups, stores, terminals, products, price lists, loyalty rules"),
    )
    MANAGE_STAFF = "manage_staff", _("Staff accounts, plan and usage")


ROLE_RIGHTS: dict[str, tuple[str, ...]] = {
    Role.ADMIN: tuple(Right.values),
    Role.MARKETER: (
        Right.VIEW_CUSTOMERS,
        Right.CREATE_CUSTOMERS,
        Right.EDIT_CUSTOMERS,
        Right.MANAGE_CUSTOMERS,
        Right.MANAGE_CARDS,
        Right.USE_MARKETING,
    ),
    Role.CASHIER: (
        Right.VIEW_CUSTOMERS,
        Right.CREATE_CUSTOMERS,
        Right.MANAGE_CARDS,
    ),
}

# The rights an admin may grant one by one, on top of a role.
GRANTABLE_RIGHTS = (Right.ADJUST_POINTS,)


def perm(right: str) -> str:
    """The permission name Django's has_perm() takes for a right."""
    return f"staff.{right}"


def roles_sync(*, group_model, permission_model, content_type) -> None:
    """Make the role groups hold exactly the rights of ROLE_RIGHTS (used by migrations)."""
    for role, rights in ROLE_RIGHTS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set(permission_model.objects.filter(content_type=content_type, codename__in=rights))
