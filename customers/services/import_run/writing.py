"""Writing what an import decided: new customers with COPY (crm.copy), changed ones with bulk_update, their
history and consent events, the registered columns' writes and the rows' outcomes."""

from typing import NamedTuple

from django.utils import timezone

from crm.copy import copy_rows, copy_values
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


class _EventRow(NamedTuple):
    """A customer event's database values, copied as they are (crm.copy.copy_values): a model
    instance per event cost more than its COPY."""

    customer_id: int
    kind: str
    field: str
    old_value: str
    new_value: str
    actor_id: int | None
    source: str


class _ConsentRow(NamedTuple):
    """A consent event's database values, copied likewise."""

    customer_id: int
    channel: str
    is_given: bool
    source: str
    actor_id: int | None


class RowWriting:
    """The part of an ImportRun that writes a decided chunk (the real import only). Its rows are
    made with foreign keys' ids (`customer_id=`, not `customer=`): Django checks an instance's
    database routing on every assignment, a tenth of a large import's time."""

    @property
    def actor_id(self) -> int | None:
        return self.acting_user.pk if self.acting_user is not None else None

    def _write_chunk(self, rows: list[Row]) -> None:
        seats = sum(1 for row in rows if row.takes_seat)
        if seats:
            # Counted once at the start already; this check under the retailer's lock guards it.
            plan_limit_check(tenant=self.tenant, resource=RESOURCE, adding=seats)
        created = [row.customer for row in rows if row.outcome == Outcome.CREATE]
        copy_rows(Customer, created)
        events, consents = [], []
        for customer in created:
            events.append(self._event(customer.pk, CustomerEvent.Kind.IMPORTED, new_value=str(customer)))
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
                        self._event(
                            customer.pk,
                            CustomerEvent.Kind.STATUS,
                            field="status",
                            old_value=before["status"],
                            new_value=customer.status,
                        )
                    )
                elif name.startswith("property:"):
                    update_fields.add("properties")
                    code = name.removeprefix("property:")
                    events.append(
                        self._event(
                            customer.pk,
                            CustomerEvent.Kind.CHANGED,
                            field=name,
                            old_value=history_value(before["properties"].get(code)),
                            new_value=history_value(customer.properties.get(code)),
                        )
                    )
                else:
                    update_fields.add(name)
                    events.append(
                        self._event(
                            customer.pk,
                            CustomerEvent.Kind.CHANGED,
                            field=name,
                            old_value=history_value(before[name]),
                            new_value=history_value(getattr(customer, name)),
                        )
                    )
            consents += self._consents(customer, before)
        if updated:
            Customer.objects.bulk_update(updated, sorted(update_fields | {"updated_at"}))
        copy_values(CustomerEvent, _EventRow._fields, events)
        copy_values(ConsentEvent, _ConsentRow._fields, consents)

    def _event(self, customer_id: int, kind, *, field: str = "", old_value="", new_value="") -> _EventRow:
        # str(): choices' values, and the history's words ("yes") translated now.
        return _EventRow(customer_id, str(kind), field, str(old_value), str(new_value), self.actor_id, SOURCE)

    def _consents(self, customer: Customer, before: dict) -> list[_ConsentRow]:
        return [
            _ConsentRow(customer.pk, str(channel), getattr(customer, name), self.consent_source, self.actor_id)
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
