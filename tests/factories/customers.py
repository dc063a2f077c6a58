"""Customers, their groups, custom properties and notes."""

import factory
from factory.django import DjangoModelFactory

from customers.models import Customer, CustomerGroup, CustomerNote, CustomerStatus, CustomProperty
from tests.factories.staff import StaffUserFactory


class CustomerGroupFactory(DjangoModelFactory):
    """A customer group; `parent=` puts it under another."""

    class Meta:
        model = CustomerGroup

    name = factory.Sequence(lambda n: f"Customer group {n}")
    parent = None


class CustomPropertyFactory(DjangoModelFactory):
    """A text property with a unique code (`type=`, `choices=`, `is_required=` as needed)."""

    class Meta:
        model = CustomProperty

    code = factory.Sequence(lambda n: f"property_{n}")
    label_en = factory.Sequence(lambda n: f"Property {n}")
    type = CustomProperty.Type.TEXT


class CustomerFactory(DjangoModelFactory):
    """A private person, introduced, with no contacts and no consents.

    Traits: `business` (a company, no personal name), `control`, `archived`, `reachable` (a
    unique phone and e-mail) and `consenting` (reachable, consenting to e-mail and SMS). The
    consent flags are set on the row, as an import of old data would: no consent events."""

    class Meta:
        model = Customer

    kind = Customer.Kind.PERSON
    status = CustomerStatus.INTRODUCED
    first_name = "Mari"
    last_name = factory.Sequence(lambda n: f"Tamm {n}")
    group = None

    class Params:
        business = factory.Trait(
            kind=Customer.Kind.BUSINESS,
            first_name="",
            last_name="",
            company_name=factory.Sequence(lambda n: f"Company {n} Ltd"),
        )
        control = factory.Trait(status=CustomerStatus.CONTROL)
        archived = factory.Trait(status=CustomerStatus.ARCHIVED)
        reachable = factory.Trait(
            phone=factory.Sequence(lambda n: f"+3725{n:07d}"),
            email=factory.Sequence(lambda n: f"customer{n}@factory.example"),
        )
        consenting = factory.Trait(reachable=True, email_consent=True, sms_consent=True)


class CustomerNoteFactory(DjangoModelFactory):
    """A note on a new customer, written by a new staff user."""

    class Meta:
        model = CustomerNote

    customer = factory.SubFactory(CustomerFactory)
    text = factory.Sequence(lambda n: f"Note {n}")
    author = factory.SubFactory(StaffUserFactory)
