"""The customer import's pipeline: one run (dry or real) over a stored, mapped file.

See customers/services/importing.py for the rules it applies and why it writes with COPY and
bulk_update rather than calling the customer services per row.
"""

import copy
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Upper
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import get_tenant_model

from customers.models import (
    ACTIVE_STATUSES,
    CONSENT_FIELDS,
    EDITABLE_FIELDS,
    ConsentEvent,
    Customer,
    CustomerEvent,
    CustomerGroup,
    CustomerStatus,
    ImportBatch,
    ImportRow,
)
from customers.rules import (
    FALSE_WORDS,
    TRUE_WORDS,
    birth_date_clean,
    customer_missing,
    email_clean,
    phone_clean,
    property_value_clean,
)
from customers.selectors.importing import (
    GROUP,
    PROGRESS_SECONDS,
    PROPERTY_PREFIX,
    STATUS,
    import_batch_rows,
    import_column_name,
    import_progress_key,
)
from customers.selectors.properties import property_list
from customers.services.customers import history_value
from customers.services.import_columns import ImportCell, ImportColumnRun, import_columns
from tariffs.registry import usage_count
from tariffs.selectors import PlanLimitReached, plan_limit_check

logger = logging.getLogger(__name__)


CHUNK_SIZE = 1000
SOURCE = "import"
RESOURCE = "active_customers"
Outcome = ImportRow.Outcome
# More than any plan allows: asking plan_limit_check for it always yields its refusal's wording.
_BEYOND_ANY_PLAN = 2**62
KEYS = ("email", "phone", "registry_code")
# What an import may change on an existing customer: a contact's company is never in a file.
UPDATABLE_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "company")


class ImportFailed(Exception):
    """The run cannot go on; the message is for the person who started it."""


def import_progress_set(batch: ImportBatch, done: int) -> None:
    cache.set(import_progress_key(batch.pk), {"done": done, "total": batch.total_rows}, PROGRESS_SECONDS)


def _copy(model, objects: list, *, with_ids: bool = False) -> None:
    """Insert new rows with PostgreSQL's COPY: for a large file several times faster than
    bulk_create's INSERT. Values are prepared as bulk_create prepares them (auto_now, JSON,
    foreign keys). COPY returns no ids: `with_ids` takes them from the table's sequence first
    and sets them on the objects, for the rows that refer to them."""
    if not objects:
        return
    table = model._meta.db_table
    fields = [field for field in model._meta.concrete_fields if with_ids or not field.primary_key]
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
                copy.write_row(
                    [field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields]
                )


@dataclass
class _Row:
    number: int
    values: list[str]
    fields: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    status: str | None = None
    problems: list[str] = field(default_factory=list)
    outcome: str = Outcome.REFUSE
    reasons: list[str] = field(default_factory=list)
    display: str = ""
    customer: Customer | None = None
    before: dict | None = None
    takes_seat: bool = False
    # The texts of the columns later apps registered (customers.services.import_columns), by code.
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.fields.get("kind"):
            return self.fields["kind"]
        if self.fields.get("company_name") and not (self.fields.get("first_name") or self.fields.get("last_name")):
            return Customer.Kind.BUSINESS
        return Customer.Kind.PERSON

    def keys(self) -> dict[str, str]:
        keys = {"email": self.fields.get("email", ""), "phone": self.fields.get("phone", "")}
        keys["registry_code"] = self.fields.get("registry_code", "") if self.kind == Customer.Kind.BUSINESS else ""
        return {key: value for key, value in keys.items() if value}

    def refuse(self, *reasons: str) -> None:
        self.outcome, self.reasons, self.customer, self.takes_seat = Outcome.REFUSE, list(reasons), None, False


def _words(choices) -> dict[str, str]:
    """Stored value by the value itself or its label in any language, case-folded."""
    words = {}
    for value, label in choices:
        words[str(value).casefold()] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                words[str(label).casefold()] = value
    return words


class ImportRun:
    """One pass of the pipeline over a batch's file; `write` makes it the real import."""

    def __init__(self, *, batch: ImportBatch, tenant, write: bool):
        self.batch, self.tenant, self.write = batch, tenant, write
        self.actor = batch.created_by
        self.live_properties = property_list(include_archived=False)
        properties = {prop.code: prop for prop in self.live_properties}
        fields = {name for name in EDITABLE_FIELDS if name not in ("company", "group")}
        self.columns: list[tuple[int, str, str]] = []  # (index, target, column name)
        # The registered columns mapped: (column, its name in the file, its part in this run).
        self.registered: list[tuple] = []
        for index_text, target in sorted(batch.mapping.items(), key=lambda item: int(item[0])):
            index = int(index_text)
            column = import_column_name(batch, index)
            registered = import_columns.get(target)
            if registered is not None:
                run = ImportColumnRun(batch=batch, acting_user=self.actor, write=write)
                self.registered.append((registered, column, run))
                self.columns.append((index, target, column))
                continue
            code = target.removeprefix(PROPERTY_PREFIX)
            if target.startswith(PROPERTY_PREFIX) and code not in properties:
                raise ImportFailed(
                    _("The column “%(column)s” is mapped to a property that is archived or deleted; map it again.")
                    % {"column": column}
                )
            if not target.startswith(PROPERTY_PREFIX) and target not in fields | {GROUP, STATUS}:
                raise ImportFailed(_("The column “%(column)s” is mapped to an unknown field.") % {"column": column})
            self.columns.append((index, target, column))
        self.properties = properties
        self.field_columns = {target: column for _index, target, column in self.columns}
        self.region = getattr(tenant, "country", "") or ""
        self.choices = {
            "kind": _words(Customer.Kind.choices),
            "gender": _words(Customer.Gender.choices),
            "language": _words(settings.LANGUAGES),
        }
        self.statuses = _words(CustomerStatus.choices)
        self.groups: dict[str, list[CustomerGroup]] = {}
        for group in CustomerGroup.objects.all():
            self.groups.setdefault(group.name.casefold(), []).append(group)
        self.seen: dict[str, dict[str, int]] = {key: {} for key in KEYS}
        self.matched: dict[int, int] = {}  # existing customer id -> the row that matched it
        self.counts = {outcome: 0 for outcome in Outcome.values}
        self.consent_source = (_("import of “%(name)s”") % {"name": batch.original_name})[:100]
        self.seats_left, self.limit_message = self._seats()
        self.done = 0

    # -- the plan's limit --

    def _seats(self) -> tuple[int, str]:
        """How many more active customers the plan allows, counted once, and the refusal for the
        rows beyond. The import holds the retailer's row locked from here to its commit."""
        tenant_model = get_tenant_model()
        if self.write:
            tenant_model.objects.select_for_update(no_key=True, of=("self",)).get(pk=self.tenant.pk)
        limit = tenant_model.objects.select_related("plan").get(pk=self.tenant.pk).plan.limit_for(RESOURCE)
        used = usage_count(RESOURCE)
        # plan_limit_check is the one place that words the refusal; ask it (in a savepoint, so
        # its lock goes with it in the dry run and the import's own lock above stays).
        message = ""
        try:
            with transaction.atomic():
                plan_limit_check(tenant=self.tenant, resource=RESOURCE, adding=_BEYOND_ANY_PLAN)
        except PlanLimitReached as error:
            message = " ".join(error.messages)
        return max(limit - used, 0), message

    # -- cleaning one row --

    def _value(self, name: str, text: str):
        if name in ("email", "billing_email"):
            value = email_clean(text)
        elif name == "phone":
            value = phone_clean(text, region=self.region)
        elif name == "birth_date":
            value = birth_date_clean(text)
        elif name in self.choices:
            value = self.choices[name].get(text.casefold())
            if value is None:
                labels = Customer._meta.get_field(name).choices
                raise ValidationError(
                    _("“%(value)s” is not one of: %(choices)s.")
                    % {"value": text, "choices": ", ".join(str(label) for _value, label in labels)}
                )
        elif name in CONSENT_FIELDS:
            word = text.casefold()
            if word not in TRUE_WORDS and word not in FALSE_WORDS:
                raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": text})
            value = word in TRUE_WORDS
        elif name == "payment_terms_days":
            if not text.isdigit() or int(text) > 32767:
                raise ValidationError(_("“%(value)s” is not a whole number of days.") % {"value": text})
            value = int(text)
        elif name in ("country", "delivery_country"):
            value = text.upper()
            if len(value) != 2 or not value.isascii() or not value.isalpha():
                raise ValidationError(_("“%(value)s” is not a two-letter country code.") % {"value": text})
        else:
            value = text
        max_length = Customer._meta.get_field(name).max_length
        if isinstance(value, str) and max_length and len(value) > max_length:
            raise ValidationError(_("longer than %(max)s characters.") % {"max": max_length})
        return value

    def _group(self, text: str) -> CustomerGroup:
        found = self.groups.get(text.casefold(), [])
        if not found:
            raise ValidationError(_("there is no customer group “%(value)s”.") % {"value": text})
        if len(found) > 1:
            raise ValidationError(_("“%(value)s” names more than one customer group.") % {"value": text})
        return found[0]

    def _status(self, text: str) -> str:
        status = self.statuses.get(text.casefold())
        if status is None:
            raise ValidationError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text, "choices": ", ".join(str(label) for _value, label in CustomerStatus.choices)}
            )
        return status

    def _parse(self, number: int, values: list[str]) -> _Row:
        row = _Row(number=number, values=values)
        for index, target, column in self.columns:
            text = values[index].strip()
            if not text:
                continue
            if import_columns.get(target) is not None:
                row.extra[target] = text
                continue
            try:
                if target.startswith(PROPERTY_PREFIX):
                    code = target.removeprefix(PROPERTY_PREFIX)
                    row.properties[code] = property_value_clean(self.properties[code], text)
                elif target == STATUS:
                    row.status = self._status(text)
                elif target == GROUP:
                    row.fields["group"] = self._group(text)
                else:
                    row.fields[target] = self._value(target, text)
            except ValidationError as error:
                for message in error.messages:
                    row.problems.append(_("%(column)s: %(problem)s") % {"column": column, "problem": message})
        parts = [
            values[index].strip() for index, target, _column in self.columns if target in ("first_name", "last_name")
        ]
        company = [values[index].strip() for index, target, _column in self.columns if target == "company_name"]
        row.display = (" ".join(part for part in parts if part) or " ".join(company))[:200]
        return row

    # -- deciding each row's outcome --

    def _lookup(self, rows: list[_Row]) -> dict[str, dict[str, int]]:
        """Existing customers by key: one query per key type for the whole chunk; the oldest
        customer wins when several share a key."""
        wanted = {key: {row.keys()[key] for row in rows if key in row.keys()} for key in KEYS}
        found: dict[str, dict[str, int]] = {key: {} for key in KEYS}
        if wanted["email"]:
            upper = {email.upper(): email for email in wanted["email"]}
            for value, pk in (
                Customer.objects.annotate(email_upper=Upper("email"))
                .filter(email_upper__in=upper)
                .order_by("-pk")
                .values_list("email_upper", "pk")
            ):
                found["email"][upper[value]] = pk
        if wanted["phone"]:
            for value, pk in (
                Customer.objects.filter(phone__in=wanted["phone"]).order_by("-pk").values_list("phone", "pk")
            ):
                found["phone"][value] = pk
        if wanted["registry_code"]:
            for value, pk in (
                Customer.objects.filter(kind=Customer.Kind.BUSINESS, registry_code__in=wanted["registry_code"])
                .order_by("-pk")
                .values_list("registry_code", "pk")
            ):
                found["registry_code"][value] = pk
        return found

    def _decide_chunk(self, rows: list[_Row]) -> None:
        candidates = [row for row in rows if not row.problems]
        found = self._lookup(candidates)
        matches: dict[int, tuple[int, str]] = {}
        for row in candidates:
            keys = row.keys()
            for key in KEYS:
                if key in keys and keys[key] in found[key]:
                    matches[row.number] = (found[key][keys[key]], key)
                    break
        existing = Customer.objects.filter(pk__in={pk for pk, _key in matches.values()}).select_related("group")
        if self.write:
            # Lock the customers this chunk changes, in primary-key order.
            existing = existing.select_for_update(no_key=True, of=("self",))
        customers = {customer.pk: customer for customer in existing.order_by("pk")}
        self._registered_check(candidates, {number: customers.get(pk) for number, (pk, _key) in matches.items()})
        for row in rows:
            if row.problems:
                row.refuse(*row.problems)
            else:
                pk, key = matches.get(row.number, (None, ""))
                self._decide(row, customers.get(pk), key)
            if row.outcome != Outcome.REFUSE:
                for key, value in row.keys().items():
                    self.seen[key].setdefault(value, row.number)
                if row.before is not None or row.outcome == Outcome.SKIP:
                    self.matched[row.customer.pk] = row.number

    def _registered_check(self, rows: list[_Row], existing: dict[int, Customer | None]) -> None:
        """Run the registered columns' checks over the chunk's rows that are fine so far; their
        problems refuse the row like any other. A row of an existing customer the batch skips is
        not checked: nothing is written for it."""
        skipping = self.batch.duplicate_mode == ImportBatch.DuplicateMode.SKIP
        by_number = {row.number: row for row in rows}
        for registered, column, run in self.registered:
            cells = [
                ImportCell(row.number, row.extra[registered.code], existing.get(row.number))
                for row in rows
                if registered.code in row.extra and not (skipping and existing.get(row.number) is not None)
            ]
            if not cells:
                continue
            for number, messages in registered.check(cells, run).items():
                by_number[number].problems += [
                    _("%(column)s: %(problem)s") % {"column": column, "problem": message} for message in messages
                ]

    def _registered_write(self, rows: list[_Row]) -> None:
        """The registered columns' writes for the rows written (created or updated)."""
        for registered, _column, run in self.registered:
            cells = [
                ImportCell(row.number, row.extra[registered.code], row.customer)
                for row in rows
                if row.outcome in (Outcome.CREATE, Outcome.UPDATE) and registered.code in row.extra
            ]
            if cells:
                registered.write(cells, run)

    def _decide(self, row: _Row, existing: Customer | None, key: str) -> None:
        for duplicate_key, value in row.keys().items():
            if value in self.seen[duplicate_key]:
                column = self.field_columns.get(duplicate_key, duplicate_key)
                return row.refuse(
                    _("%(column)s: “%(value)s” is already in row %(row)s.")
                    % {"column": column, "value": value, "row": self.seen[duplicate_key][value]}
                )
        if existing is None:
            return self._create(row)
        key_label = {"email": _("e-mail"), "phone": _("phone"), "registry_code": _("registry code")}[key]
        if existing.pk in self.matched:
            return row.refuse(
                _("%(name)s (same %(key)s) is already in row %(row)s.")
                % {"name": existing, "key": key_label, "row": self.matched[existing.pk]}
            )
        if self.batch.duplicate_mode == ImportBatch.DuplicateMode.SKIP:
            row.outcome, row.customer, row.display = Outcome.SKIP, existing, str(existing)[:200]
            row.reasons = [_("%(name)s (same %(key)s) exists already.") % {"name": existing, "key": key_label}]
            return None
        return self._update(row, existing, key_label)

    def _name_problem(self, customer: Customer) -> str:
        if customer.kind == Customer.Kind.BUSINESS and not customer.company_name:
            return _("A business needs a company name.")
        if customer.kind == Customer.Kind.PERSON and not (customer.first_name or customer.last_name):
            return _("A person needs a first or a last name.")
        return ""

    def _final_status(self, row: _Row, customer: Customer, wanted: str | None, current: str | None) -> str:
        """The status the row ends in: as asked, or (no status in the row) the current one of an
        existing customer, Control becoming Introduced once nothing is missing, and Introduced for a
        new one; Control while something required is missing."""
        if wanted == CustomerStatus.ARCHIVED or (wanted is None and current == CustomerStatus.ARCHIVED):
            return CustomerStatus.ARCHIVED
        missing = customer_missing(customer, self.live_properties)
        if not missing:
            return wanted or (CustomerStatus.INTRODUCED if current in (None, CustomerStatus.CONTROL) else current)
        if wanted == CustomerStatus.CONTROL or (wanted is None and current == CustomerStatus.CONTROL):
            return CustomerStatus.CONTROL
        row.reasons.append(
            _("Control instead of Introduced, because these are missing: %(missing)s.")
            % {"missing": ", ".join(str(label) for label in missing)}
        )
        return CustomerStatus.CONTROL

    def _seat_take(self, row: _Row) -> bool:
        if self.seats_left <= 0:
            row.refuse(self.limit_message)
            return False
        self.seats_left -= 1
        row.takes_seat = True
        return True

    def _create(self, row: _Row) -> None:
        customer = Customer(kind=row.kind, **{name: value for name, value in row.fields.items() if name != "kind"})
        customer.properties = {code: value for code, value in row.properties.items() if value is not None}
        problem = self._name_problem(customer)
        if problem:
            return row.refuse(problem)
        customer.status = self._final_status(row, customer, row.status, None)
        row.outcome, row.customer, row.display = Outcome.CREATE, customer, str(customer)[:200]
        if customer.status in ACTIVE_STATUSES:
            self._seat_take(row)
        return None

    def _update(self, row: _Row, existing: Customer, key_label: str) -> None:
        # A copy: when this row is refused, a later row matching the same customer starts afresh.
        customer = copy.copy(existing)
        before = {name: getattr(customer, name) for name in UPDATABLE_FIELDS}
        before["properties"], before["status"] = dict(customer.properties), customer.status
        for name, value in row.fields.items():
            setattr(customer, name, value)
        customer.properties = {**customer.properties, **row.properties}
        problem = self._name_problem(customer)
        if problem:
            return row.refuse(problem)
        row.reasons = [_("Updates %(name)s (same %(key)s).") % {"name": customer, "key": key_label}]
        customer.status = self._final_status(row, customer, row.status, before["status"])
        row.outcome, row.customer, row.before, row.display = Outcome.UPDATE, customer, before, str(customer)[:200]
        if customer.status in ACTIVE_STATUSES and before["status"] not in ACTIVE_STATUSES:
            self._seat_take(row)
        if row.outcome == Outcome.UPDATE and not self._changes(row):
            row.reasons = [
                _("%(name)s (same %(key)s) has these values already.") % {"name": customer, "key": key_label}
            ]
        return None

    @staticmethod
    def _changes(row: _Row) -> list[str]:
        """Names of what the row changes on the existing customer ("property:<code>" for a
        property)."""
        customer, before = row.customer, row.before
        changed = [name for name in UPDATABLE_FIELDS if before[name] != getattr(customer, name)]
        codes = set(before["properties"]) | set(customer.properties)
        changed += [
            f"property:{code}"
            for code in sorted(codes)
            if before["properties"].get(code) != customer.properties.get(code)
        ]
        if before["status"] != customer.status:
            changed.append("status")
        return changed

    # -- writing --

    def _write_chunk(self, rows: list[_Row]) -> None:
        seats = sum(1 for row in rows if row.takes_seat)
        if seats:
            # Counted once at the start already; this check under the retailer's lock guards it.
            plan_limit_check(tenant=self.tenant, resource=RESOURCE, adding=seats)
        created = [row.customer for row in rows if row.outcome == Outcome.CREATE]
        _copy(Customer, created, with_ids=True)
        events, consents = [], []
        for customer in created:
            events.append(
                CustomerEvent(
                    customer=customer,
                    kind=CustomerEvent.Kind.IMPORTED,
                    new_value=str(customer),
                    actor=self.actor,
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
                            actor=self.actor,
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
                            actor=self.actor,
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
                            actor=self.actor,
                            source=SOURCE,
                            old_value=history_value(before[name]),
                            new_value=history_value(getattr(customer, name)),
                        )
                    )
            consents += self._consents(customer, before)
        if updated:
            Customer.objects.bulk_update(updated, sorted(update_fields | {"updated_at"}))
        _copy(CustomerEvent, events)
        _copy(ConsentEvent, consents)

    def _consents(self, customer: Customer, before: dict) -> list[ConsentEvent]:
        return [
            ConsentEvent(
                customer=customer,
                channel=channel,
                is_given=getattr(customer, name),
                source=self.consent_source,
                actor=self.actor,
            )
            for name, channel in CONSENT_FIELDS.items()
            if before.get(name, False) != getattr(customer, name)
        ]

    # -- the whole file --

    def run(self) -> dict[str, int]:
        """Go through the file chunk by chunk; returns how many rows got each outcome."""
        if not self.batch.file or not self.batch.file.storage.exists(self.batch.file.name):
            raise ImportFailed(_("The uploaded file is no longer there; upload it again."))
        with import_batch_rows(self.batch) as rows:
            chunk: list[_Row] = []
            for number, values in rows:
                chunk.append(self._parse(number, values))
                if len(chunk) >= CHUNK_SIZE:
                    self._chunk(chunk)
                    chunk = []
            if chunk:
                self._chunk(chunk)
        return self.counts

    def _chunk(self, rows: list[_Row]) -> None:
        self._decide_chunk(rows)
        if self.write:
            self._write_chunk(rows)
            self._registered_write(rows)
        _copy(
            ImportRow,
            [
                ImportRow(
                    batch=self.batch,
                    row_number=row.number,
                    outcome=row.outcome,
                    reason=" ".join(row.reasons),
                    display=row.display,
                    values=row.values,
                    customer=row.customer if row.customer is not None and row.customer.pk else None,
                )
                for row in rows
            ],
        )
        for row in rows:
            self.counts[row.outcome] += 1
        self.done += len(rows)
        import_progress_set(self.batch, self.done)


# --- the two runs, called by the tasks ---------------------------------------------------------
