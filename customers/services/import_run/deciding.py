"""Deciding each row's outcome: create, update, skip or refuse, with its reason; the plan's
seats and the registered columns' checks."""

import copy

from django.db import connection, transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django_tenants.utils import get_tenant_model

from customers.models import (
    ACTIVE_STATUSES,
    EDITABLE_FIELDS,
    Customer,
    CustomerStatus,
    ImportBatch,
)
from customers.rules import (
    customer_missing,
)
from customers.services.import_columns import ImportCell
from customers.services.import_run.rows import KEYS, Outcome, Row
from tariffs.registry import usage_count
from tariffs.selectors import PlanLimitReached, plan_limit_check

RESOURCE = "active_customers"
# More than any plan allows: asking plan_limit_check for it always yields its refusal's wording.
_BEYOND_ANY_PLAN = 2**62
# What an import may change on an existing customer: a contact's company is never in a file.
UPDATABLE_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "company")
# The targets a customer's name is made of.
NAME_TARGETS = {"kind", "first_name", "last_name", "company_name"}
# How the reasons name the key a row matched an existing customer by (in the run's language).
KEY_LABELS = {
    "number": lambda: _("customer number"),
    "email": lambda: _("e-mail"),
    "phone": lambda: _("phone"),
    "registry_code": lambda: _("registry code"),
}


class RowDeciding:
    """The part of an ImportRun that matches a chunk's rows with existing customers and with the
    rows before them and decides each one's outcome (state set up by ImportRun.__init__: batch,
    seen, matched, seats)."""

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

    def _lookup(self, rows: list[Row]) -> dict[str, dict[str, int]]:
        """Existing customers by key: one query per key type for the whole chunk; the oldest
        customer wins when several share a key."""
        wanted = {key: {row.keys()[key] for row in rows if key in row.keys()} for key in KEYS}
        found: dict[str, dict[str, int]] = {key: {} for key in KEYS}
        # B-tree index scans only: the trigram (GIN) indexes of the search box also answer
        # equality, and the planner takes them for a retailer whose statistics are still empty
        # (a new one), but every look-up then reads the GIN's list of entries still pending from
        # this import's own COPY: each chunk slower than the last (10,000 rows: 54 s of look-ups).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            if wanted["number"]:
                for value, pk in (
                    Customer.objects.by_numbers(wanted["number"]).order_by("-pk").values_list("number", "pk")
                ):
                    found["number"][value.upper()] = pk
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
            cursor.execute("SET LOCAL enable_bitmapscan TO DEFAULT")
        return found

    def _decide_chunk(self, rows: list[Row]) -> None:
        """Every row of the chunk gets its outcome. Every check runs on every row, so that a
        refused row names all its problems at once: its cells', the registered columns' (a card
        number), a key an earlier row has, a customer an earlier row matched, a missing name."""
        found = self._lookup(rows)
        matches: dict[int, tuple[int, str]] = {}
        for row in rows:
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
        self._registered_check(rows, {number: customers.get(pk) for number, (pk, _key) in matches.items()})
        for row in rows:
            pk, key = matches.get(row.number, (None, ""))
            self._decide(row, customers.get(pk), key)
            if row.outcome != Outcome.REFUSE:
                for key, value in row.keys().items():
                    self.seen[key].setdefault(value, row.number)
                if row.before is not None or row.outcome == Outcome.SKIP:
                    self.matched[row.customer.pk] = row.number

    def _registered_check(self, rows: list[Row], existing: dict[int, Customer | None]) -> None:
        """Run the registered columns' checks over the chunk's rows, those with other problems
        too; their problems refuse the row like any other. A row of an existing customer the
        batch skips is not checked: nothing is written for it."""
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

    def _decide(self, row: Row, existing: Customer | None, key: str) -> None:
        problems = list(row.problems)
        for duplicate_key, value in row.keys().items():
            if value in self.seen[duplicate_key]:
                problems.append(
                    _("%(column)s: “%(value)s” is already in row %(row)s.")
                    % {
                        "column": self.field_columns.get(duplicate_key, duplicate_key),
                        "value": row.fields.get(duplicate_key, value),
                        "row": self.seen[duplicate_key][value],
                    }
                )
        key_label = KEY_LABELS[key]() if existing is not None else ""
        if existing is not None and existing.pk in self.matched:
            problems.append(
                _("%(name)s (same %(key)s) is already in row %(row)s.")
                % {"name": existing, "key": key_label, "row": self.matched[existing.pk]}
            )
        skipping = existing is not None and self.batch.duplicate_mode == ImportBatch.DuplicateMode.SKIP
        customer = None
        if not skipping:
            customer = self._customer_of(row, existing)
            # A name cell refused already says what is wrong with the name.
            if not row.invalid & NAME_TARGETS:
                problem = self._name_problem(customer)
                if problem:
                    problems.append(problem)
        if problems:
            return row.refuse(*problems)
        if skipping:
            row.outcome, row.customer, row.display = Outcome.SKIP, existing, str(existing)[:200]
            row.reasons = [_("%(name)s (same %(key)s) exists already.") % {"name": existing, "key": key_label}]
            return None
        if existing is None:
            return self._create(row, customer)
        return self._update(row, existing, customer, key_label)

    @staticmethod
    def _customer_of(row: Row, existing: Customer | None) -> Customer:
        """The customer as the row makes it: a new one of its values, or (a copy of) the existing
        one with the row's values over it. A copy: when this row is refused, a later row matching
        the same customer starts afresh."""
        if existing is None:
            customer = Customer(kind=row.kind, **{name: value for name, value in row.fields.items() if name != "kind"})
            customer.properties = {code: value for code, value in row.properties.items() if value is not None}
            return customer
        customer = copy.copy(existing)
        for name, value in row.fields.items():
            setattr(customer, name, value)
        # The number that matched, typed in another case, is the stored one: nothing changes.
        if customer.number.upper() == existing.number.upper():
            customer.number = existing.number
        customer.properties = {**existing.properties, **row.properties}
        return customer

    def _name_problem(self, customer: Customer) -> str:
        if customer.kind == Customer.Kind.BUSINESS and not customer.company_name:
            return _("A business needs a company name.")
        if customer.kind == Customer.Kind.PERSON and not (customer.first_name or customer.last_name):
            return _("A person needs a first or a last name.")
        return ""

    def _final_status(self, row: Row, customer: Customer, wanted: str | None, current: str | None) -> str:
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

    def _seat_take(self, row: Row) -> bool:
        if self.seats_left <= 0:
            row.refuse(self.limit_message)
            return False
        self.seats_left -= 1
        row.takes_seat = True
        return True

    def _create(self, row: Row, customer: Customer) -> None:
        customer.status = self._final_status(row, customer, row.status, None)
        row.outcome, row.customer, row.display = Outcome.CREATE, customer, str(customer)[:200]
        if customer.status in ACTIVE_STATUSES:
            self._seat_take(row)

    def _update(self, row: Row, existing: Customer, customer: Customer, key_label: str) -> None:
        before = {name: getattr(existing, name) for name in UPDATABLE_FIELDS}
        before["properties"], before["status"] = dict(existing.properties), existing.status
        row.reasons = [_("Updates %(name)s (same %(key)s).") % {"name": customer, "key": key_label}]
        customer.status = self._final_status(row, customer, row.status, before["status"])
        row.outcome, row.customer, row.before, row.display = Outcome.UPDATE, customer, before, str(customer)[:200]
        if customer.status in ACTIVE_STATUSES and before["status"] not in ACTIVE_STATUSES:
            self._seat_take(row)
        if row.outcome == Outcome.UPDATE and not self._changes(row):
            row.reasons = [
                _("%(name)s (same %(key)s) has these values already.") % {"name": customer, "key": key_label}
            ]

    @staticmethod
    def _changes(row: Row) -> list[str]:
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
