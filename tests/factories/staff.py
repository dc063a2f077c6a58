"""Staff users with a role (the role groups come with every tenant's migrations)."""

import factory
from django.contrib.auth.models import Group, Permission
from factory.django import DjangoModelFactory

from staff.models import User
from staff.roles import Role

# Every user a factory makes logs in with this password (`tenant_client` knows it).
STAFF_PASSWORD = "factory-staff-password"


class StaffUserFactory(DjangoModelFactory):
    """A staff user of the current tenant with a role (a cashier unless `role=`; `role=""` for
    none) and, on top of it, the rights in `rights=` granted one by one. It is written directly,
    not through `staff_create`: it counts against no plan limit and writes no staff event."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@factory.example")
    first_name = "Tiina"
    last_name = factory.Sequence(lambda n: f"Kask {n}")
    password = factory.django.Password(STAFF_PASSWORD)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        role = Role.CASHIER if extracted is None else extracted
        if create and role:
            user.groups.add(Group.objects.get(name=role))

    @factory.post_generation
    def rights(user, create, extracted, **kwargs):
        if create and extracted:
            user.user_permissions.add(
                *Permission.objects.filter(content_type__app_label="staff", codename__in=list(extracted))
            )
