"""Writing what an import decided: new customers with COPY, changed ones with bulk_update, their
history and consent events, the registered columns' writes and the rows' outcomes."""

from django.db import connection, models
from django.utils import timezone

from customers.models import (
    CONSENT_FIELDS,
    ConsentEvent,
    Customer,
    CustomerEvent,
)
from customers.services.customers import history_value
from customers.services.import_columns import ImportCell
from customers.services.import_run.deciding import RESOURCE
from customers.services.import_run.rows import Outcome, Row
from tariffs.selectors import plan_limit_check

SOURCE = "import"


# Fields whose value goes to COPY as the instance holds it (what their get_db_prep_save would
# give back); the others (JSON, decimals, …) are prepared by Django.
_AS_HELD = (models.BooleanField, models.IntegerField, models.DateField, models.ForeignKey)
_TEXT = (models.CharField, models.TextField)


def _preparer(field, now):
    """How one field's value of an instance is prepared for COPY: the instance's own value where
    Django would hand it on unchanged (a quarter of a large import's time went into preparing
    them one by one), the one time of the batch for auto_now fields."""
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):

        def stamped(instance):
            setattr(instance, field.attname, now)
            return now

        return stamped
    if isinstance(field, _TEXT) and not isinstance(field, models.JSONField):
        attname = field.attname

        def text(instance):
            value = getattr(instance, attname)
            # Text choices are str subclasses: their str() is the stored value.
            return value if value is None or value.__class__ is str else str(value)

        return text
    if isinstance(field, _AS_HELD) and not isinstance(field, models.DateTimeField):
        attname = field.attname
        return lambda instance: getattr(instance, attname)
    return lambda instance: field.get_db_prep_save(field.pre_save(instance, add=True), connection)


def copy_rows(model, objects: list, *, with_ids: bool = False) -> None:
    """Insert new rows with PostgreSQL's COPY: for a large file several times faster than
    bulk_create's INSERT. Values are prepared as bulk_create prepares them (auto_now, JSON,
    foreign keys). COPY returns no ids: `with_ids` takes them from the table's sequence first
    and sets them on the objects, for the rows that refer to them."""
    if not objects:
        return
    table = model._meta.db_table
    fields = [field for field in model._meta.concrete_fields if with_ids or not field.primary_key]
    now = timezone.now()
    preparers = [_preparer(field, now) for field in fields]
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, len(objects)],
            )
            for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                instance.pk = pk
                instance._state.adding, instance._state.db = False, connection.alias
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for instance in objects:
                copy.write_row([prepare(instance) for prepare in preparers])


class RowWriting:
    """The part of an ImportRun that writes a decided chunk (the real import only)."""

    def _write_chunk(self, rows: list[Row]) -> None:
        seats = sum(1 for row in rows if row.takes_seat)
        if seats:
            # Counted once at the start already; this check under the retailer's lock guards it.
            plan_limit_check(tenant=self.tenant, resource=RESOURCE, adding=seats)
        created = [row.customer for row in rows if row.outcome == Outcome.CREATE]
        copy_rows(Customer, created, with_ids=True)
        events, consents = [], []
        for customer in created:
            events.append(
                CustomerEvent(
                    customer=customer,
                    kind=CustomerEvent.Kind.IMPORTED,
                    new_value=str(customer),
                    actor=self.acting_user,
                    source=SOURCE,
                )
            )
            consents += self._consents(customer, {})
        now = timezone.now()
        updated, update_fields = [], set()
        for row in rows:
            if row.outcome != Outcome.UPDATE:
                continue
            changed = self._changes(row)
            if not changed:
                continue
            customer, before = row.customer, row.before
            customer.updated_at = now
            updated.append(customer)
            for name in changed:
                if name == "status":
                    update_fields.add("status")
                    events.append(
                        CustomerEvent(
                            customer=customer,
                            kind=CustomerEvent.Kind.STATUS,
                            field="status",
                            actor=self.acting_user,
                            source=SOURCE,
                            old_value=before["status"],
                            new_value=customer.status,
                        )
                    )
                elif name.startswith("property:"):
                    update_fields.add("properties")
                    code = name.removeprefix("property:")
                    events.append(
                        CustomerEvent(
                            customer=customer,
                            kind=CustomerEvent.Kind.CHANGED,
                            field=name,
                            actor=self.acting_user,
                            source=SOURCE,
                            old_value=history_value(before["properties"].get(code)),
                            new_value=history_value(customer.properties.get(code)),
                        )
                    )
                else:
                    update_fields.add(name)
                    events.append(
                        CustomerEvent(
                            customer=customer,
                            kind=CustomerEvent.Kind.CHANGED,
                            field=name,
                            actor=self.acting_user,
                            source=SOURCE,
                            old_value=history_value(before[name]),
                            new_value=history_value(getattr(customer, name)),
                        )
                    )
            consents += self._consents(customer, before)
        if updated:
            Customer.objects.bulk_update(updated, sorted(update_fields | {"updated_at"}))
        copy_rows(CustomerEvent, events)
        copy_rows(ConsentEvent, consents)

    def _consents(self, customer: Customer, before: dict) -> list[ConsentEvent]:
        return [
            ConsentEvent(
                customer=customer,
                channel=channel,
                is_given=getattr(customer, name),
                source=self.consent_source,
                actor=self.acting_user,
            )
            for name, channel in CONSENT_FIELDS.items()
            if before.get(name, False) != getattr(customer, name)
        ]

    def _registered_write(self, rows: list[Row]) -> None:
        """The registered columns' writes for the rows written (created or updated)."""
        for registered, _column, run in self.registered:
            cells = [
                ImportCell(row.number, row.extra[registered.code], row.customer)
                for row in rows
                if row.outcome in (Outcome.CREATE, Outcome.UPDATE) and registered.code in row.extra
            ]
            if cells:
                registered.write(cells, run)
