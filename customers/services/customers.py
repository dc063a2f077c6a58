from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from customers.models import (
    ACTIVE_STATUSES,
    CONSENT_FIELDS,
    EDITABLE_FIELDS,
    ConsentEvent,
    Customer,
    CustomerEvent,
    CustomerNote,
    CustomerStatus,
)
from customers.rules import customer_missing, customer_number_clean
from customers.selectors.properties import property_list
from staff.models import User
from tariffs.selectors import plan_limit_check


def history_value(value) -> str:
    """How a value is written into a customer's history (old and new value columns)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _status_check(customer: Customer, status: str) -> None:
    if status == CustomerStatus.INTRODUCED:
        missing = customer_missing(customer, property_list(include_archived=False))
        if missing:
            raise ValidationError(
                {
                    "status": _("Only Control is possible while these are missing: %(missing)s.")
                    % {"missing": ", ".join(missing)}
                }
            )


def _name_check(customer: Customer) -> None:
    if customer.kind == Customer.Kind.BUSINESS and not customer.company_name:
        raise ValidationError({"company_name": _("A business needs a company name.")})
    if customer.kind == Customer.Kind.PERSON and not (customer.first_name or customer.last_name):
        raise ValidationError({"last_name": _("A person needs a first or a last name.")})


NUMBER_CONSTRAINT = "customer_number_unique"


def customer_number_taken_message(*, number: str, holder: Customer) -> str:
    """The refusal of a customer number another customer has (forms, services, the import)."""
    return _("The customer number “%(number)s” is already %(customer)s's (customer code %(code)s).") % {
        "number": number,
        "customer": holder,
        "code": holder.pk,
    }


def _number_check(customer: Customer) -> None:
    """Refuse a number another customer has (whatever its case), naming that customer."""
    customer.number = customer_number_clean(customer.number)
    if not customer.number:
        return
    holder = Customer.objects.by_number(customer.number).exclude(pk=customer.pk).first()
    if holder is not None:
        raise ValidationError(
            {"number": customer_number_taken_message(number=customer.number, holder=holder)}, code="number_taken"
        )


def _customer_save(customer: Customer) -> None:
    """Save, turning a number taken meanwhile by another transaction (the unique index refuses
    it after `_number_check` passed) into the same refusal."""
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as error:
        if getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") != NUMBER_CONSTRAINT:
            raise
        holder = Customer.objects.by_number(customer.number).exclude(pk=customer.pk).first()
        if holder is None:
            raise
        raise ValidationError(
            {"number": customer_number_taken_message(number=customer.number, holder=holder)}, code="number_taken"
        ) from error


def _consent_events(*, customer: Customer, before: dict, consent_source: str, acting_user: User | None) -> None:
    for field, channel in CONSENT_FIELDS.items():
        if before.get(field) != getattr(customer, field):
            ConsentEvent.objects.create(
                customer=customer,
                channel=channel,
                is_given=getattr(customer, field),
                source=consent_source or _("recorded in the back office"),
                actor=acting_user,
            )


@transaction.atomic
def customer_create(
    *,
    tenant,
    fields: dict,
    property_values: dict | None = None,
    status: str = CustomerStatus.CONTROL,
    acting_user: User | None = None,
    source: str = "back office",
    consent_source: str = "",
) -> Customer:
    """Create a customer from cleaned values. Introduced only when nothing required is missing;
    an active status counts against the plan's customer limit. A customer number another
    customer has (whatever its case) is refused, naming that customer, and nothing is saved."""
    customer = Customer(**{name: value for name, value in fields.items() if name in EDITABLE_FIELDS})
    customer.properties = {code: value for code, value in (property_values or {}).items() if value is not None}
    customer.status = status
    _name_check(customer)
    _number_check(customer)
    _status_check(customer, status)
    if status in ACTIVE_STATUSES:
        plan_limit_check(tenant=tenant, resource="active_customers")
    _customer_save(customer)
    CustomerEvent.objects.create(
        customer=customer, kind=CustomerEvent.Kind.CREATED, new_value=str(customer), actor=acting_user, source=source
    )
    _consent_events(
        customer=customer,
        before={"email_consent": False, "sms_consent": False},
        consent_source=consent_source,
        acting_user=acting_user,
    )
    return customer


@transaction.atomic
def customer_update(
    *,
    tenant,
    customer: Customer,
    fields: dict,
    property_values: dict | None = None,
    status: str | None = None,
    acting_user: User | None = None,
    source: str = "back office",
    consent_source: str = "",
) -> Customer:
    """Change a customer; every changed field is written to its history with old and new value.

    Properties not named in `property_values` keep their values (archived ones included). A
    customer number another customer has is refused, naming that customer, and nothing changes."""
    customer = Customer.objects.select_for_update(no_key=True, of=("self",)).get(pk=customer.pk)
    before = {name: getattr(customer, name) for name in EDITABLE_FIELDS}
    before_properties = dict(customer.properties)
    before_status = customer.status
    for name, value in fields.items():
        if name in EDITABLE_FIELDS:
            setattr(customer, name, value)
    for code, value in (property_values or {}).items():
        if value is None:
            customer.properties.pop(code, None)
        else:
            customer.properties[code] = value
    status = status or customer.status
    _name_check(customer)
    _number_check(customer)
    _status_check(customer, status)
    if status in ACTIVE_STATUSES and before_status not in ACTIVE_STATUSES:
        plan_limit_check(tenant=tenant, resource="active_customers")
    customer.status = status
    _customer_save(customer)
    events = [
        CustomerEvent(
            customer=customer,
            kind=CustomerEvent.Kind.CHANGED,
            field=name,
            actor=acting_user,
            source=source,
            old_value=history_value(before[name]),
            new_value=history_value(getattr(customer, name)),
        )
        for name in EDITABLE_FIELDS
        if before[name] != getattr(customer, name) and name != "group"
    ]
    if before["group"] != customer.group:
        events.append(
            CustomerEvent(
                customer=customer,
                kind=CustomerEvent.Kind.CHANGED,
                field="group",
                actor=acting_user,
                source=source,
                old_value=history_value(before["group"]),
                new_value=history_value(customer.group),
            )
        )
    for code in sorted(set(before_properties) | set(customer.properties)):
        if before_properties.get(code) != customer.properties.get(code):
            events.append(
                CustomerEvent(
                    customer=customer,
                    kind=CustomerEvent.Kind.CHANGED,
                    field=f"property:{code}",
                    actor=acting_user,
                    source=source,
                    old_value=history_value(before_properties.get(code)),
                    new_value=history_value(customer.properties.get(code)),
                )
            )
    if before_status != status:
        events.append(
            CustomerEvent(
                customer=customer,
                kind=CustomerEvent.Kind.STATUS,
                field="status",
                actor=acting_user,
                source=source,
                old_value=before_status,
                new_value=status,
            )
        )
    CustomerEvent.objects.bulk_create(events)
    _consent_events(customer=customer, before=before, consent_source=consent_source, acting_user=acting_user)
    return customer


@transaction.atomic
def customer_note_add(*, customer: Customer, text: str, acting_user: User | None) -> CustomerNote:
    """Add a note to the customer, written by `acting_user`, and a NOTE event to its history."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    note = CustomerNote.objects.create(customer=customer, text=text, author=acting_user)
    CustomerEvent.objects.create(
        customer=customer, kind=CustomerEvent.Kind.NOTE, new_value=text[:200], actor=acting_user
    )
    return note


def customer_consent_set(
    *, tenant, customer: Customer, channel: str, is_given: bool, source: str, acting_user: User | None
) -> Customer:
    """Record consent given or withdrawn on one channel, with how it was given."""
    field = {value: key for key, value in CONSENT_FIELDS.items()}[channel]
    return customer_update(
        tenant=tenant, customer=customer, fields={field: is_given}, acting_user=acting_user, consent_source=source
    )


class BulkAction:
    ASSIGN_GROUP = "assign_group"
    SET_STATUS = "set_status"
    ARCHIVE = "archive"


@transaction.atomic
def customers_bulk_action(
    *,
    tenant,
    queryset: QuerySet[Customer],
    action: str,
    group=None,
    status: str | None = None,
    acting_user: User | None = None,
) -> int:
    """Apply one change to every customer of `queryset` (a selection or a whole filter).

    All or nothing: a status change that would make an incomplete record Introduced, or go past
    the plan's limit, refuses the whole action and names why. Returns how many changed.
    """
    if action == BulkAction.ARCHIVE:
        action, status = BulkAction.SET_STATUS, CustomerStatus.ARCHIVED
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    customers = list(Customer.objects.filter(pk__in=ids).select_for_update(no_key=True, of=("self",)).order_by("pk"))
    events = []
    if action == BulkAction.ASSIGN_GROUP:
        changed = [customer for customer in customers if customer.group_id != (group.pk if group else None)]
        for customer in changed:
            events.append(
                CustomerEvent(
                    customer=customer,
                    kind=CustomerEvent.Kind.CHANGED,
                    field="group",
                    actor=acting_user,
                    source="bulk",
                    old_value=history_value(customer.group),
                    new_value=history_value(group),
                )
            )
        Customer.objects.filter(pk__in=[customer.pk for customer in changed]).update(group=group)
    elif action == BulkAction.SET_STATUS:
        if status not in CustomerStatus.values:
            raise ValidationError(_("Choose a status."))
        changed = [customer for customer in customers if customer.status != status]
        if status == CustomerStatus.INTRODUCED:
            properties = property_list(include_archived=False)
            incomplete = [customer for customer in changed if customer_missing(customer, properties)]
            if incomplete:
                raise ValidationError(
                    _("%(count)s of the chosen customers miss required data and can only be in Control, e.g. %(name)s.")
                    % {"count": len(incomplete), "name": incomplete[0]}
                )
        if status in ACTIVE_STATUSES:
            reactivated = sum(1 for customer in changed if customer.status not in ACTIVE_STATUSES)
            if reactivated:
                plan_limit_check(tenant=tenant, resource="active_customers", adding=reactivated)
        for customer in changed:
            events.append(
                CustomerEvent(
                    customer=customer,
                    kind=CustomerEvent.Kind.STATUS,
                    field="status",
                    actor=acting_user,
                    source="bulk",
                    old_value=customer.status,
                    new_value=status,
                )
            )
        Customer.objects.filter(pk__in=[customer.pk for customer in changed]).update(status=status)
    else:
        raise ValidationError(_("Choose an action."))
    CustomerEvent.objects.bulk_create(events, batch_size=1000)
    return len(changed)
