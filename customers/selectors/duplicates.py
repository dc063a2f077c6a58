"""Customers that are probably the same person or business, and what merging two of them gives.

`customer_duplicate_pairs` finds the pairs in one SQL query; `customer_merge_outcome` says what
the kept record will look like after a merge. The merge service applies exactly that outcome, so
the confirmation page shows what will be written.
"""

import copy
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Max, TextChoices
from django.utils.formats import localize
from django.utils.text import capfirst
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import CONSENT_FIELDS, EDITABLE_FIELDS, ConsentEvent, Customer, CustomerStatus, CustomProperty
from customers.rules import customer_missing, phone_display, property_value_display
from customers.selectors.properties import property_list

# pg_trgm's similarity() of "first_name last_name" from which two names count as "very similar".
NAME_SIMILARITY_THRESHOLD = 0.6
# A phone or e-mail shared by more customers than this is a placeholder (the shop's own number,
# "none@none.ee"), not a sign of one person: it is left out, so that it neither floods the list
# nor makes the query quadratic in the size of the group.
MAX_CUSTOMERS_SHARING_A_CONTACT = 10
# The same for a birth date (a placeholder like 1900-01-01 typed for thousands of customers);
# the bound is wide because real birth dates are shared by dozens in a large directory.
MAX_CUSTOMERS_SHARING_A_BIRTH_DATE = 300


class DuplicateReason(TextChoices):
    PHONE = "phone", gettext_lazy("same phone")
    EMAIL = "email", gettext_lazy("same e-mail")
    NAME_AND_BIRTH_DATE = "name_birth_date", gettext_lazy("similar name and same birth date")


@dataclass(frozen=True)
class DuplicatePair:
    """Two customers that are probably the same; `older` was created first (the lower id)."""

    older: Customer
    newer: Customer
    reasons: tuple[DuplicateReason, ...]


# Each rule yields (first_id, second_id, rank, reason, newest) with first_id < second_id, so that
# every pair appears once per rule; the outer query folds the rules of one pair together.
# Phone and birth date start from the values shared by 2..N live customers (GROUP BY) and join
# the customers back through their B-tree indexes. E-mail has no B-tree index (only a trigram
# one, whose equality look-ups are slow when addresses share "@example.com"), so its sharers are
# found in one pass with a window count and only those few rows are joined to each other.
# On 100,000 customers the query takes about half a second, most of it in similarity().
_DUPLICATE_PAIRS_SQL = """
WITH email_sharers AS (
    SELECT id, created_at, kind, email FROM (
        SELECT id, created_at, kind, LOWER(email) AS email,
               count(*) OVER (PARTITION BY LOWER(email), kind) AS sharing
        FROM {table}
        WHERE email <> '' AND status <> %(archived)s
    ) counted
    WHERE sharing BETWEEN 2 AND %(max_contact)s
), pairs AS (
    SELECT older.id AS first_id, newer.id AS second_id, 1 AS rank, %(phone)s AS reason,
           GREATEST(older.created_at, newer.created_at) AS newest
    FROM (
        SELECT phone, kind FROM {table}
        WHERE phone <> '' AND status <> %(archived)s
        GROUP BY phone, kind HAVING count(*) BETWEEN 2 AND %(max_contact)s
    ) shared
    JOIN {table} older ON older.phone = shared.phone AND older.kind = shared.kind AND older.status <> %(archived)s
    JOIN {table} newer ON newer.phone = shared.phone AND newer.kind = shared.kind
        AND newer.status <> %(archived)s AND newer.id > older.id
  UNION ALL
    SELECT older.id, newer.id, 2, %(email)s, GREATEST(older.created_at, newer.created_at)
    FROM email_sharers older
    JOIN email_sharers newer ON newer.email = older.email AND newer.kind = older.kind AND newer.id > older.id
  UNION ALL
    SELECT older.id, newer.id, 3, %(name)s, GREATEST(older.created_at, newer.created_at)
    FROM (
        SELECT birth_date FROM {table}
        WHERE birth_date IS NOT NULL AND kind = %(person)s AND status <> %(archived)s
        GROUP BY birth_date HAVING count(*) BETWEEN 2 AND %(max_birth_date)s
    ) shared
    JOIN {table} older ON older.birth_date = shared.birth_date AND older.kind = %(person)s
        AND older.status <> %(archived)s
    JOIN {table} newer ON newer.birth_date = shared.birth_date AND newer.kind = %(person)s
        AND newer.status <> %(archived)s AND newer.id > older.id
    WHERE similarity(older.first_name || ' ' || older.last_name, newer.first_name || ' ' || newer.last_name)
        >= %(threshold)s
)
SELECT first_id, second_id, array_agg(reason ORDER BY rank)
FROM pairs
GROUP BY first_id, second_id
ORDER BY max(newest) DESC, second_id DESC, first_id DESC
LIMIT %(limit)s
"""


def customer_duplicate_pairs(*, limit: int = 100) -> list[DuplicatePair]:
    """Pairs of customers that are probably the same, newest first, at most `limit` of them.

    Two customers of the same type (person or business), neither of them archived, make a pair
    when they have the same phone, the same e-mail (ignoring case), or, for private persons,
    very similar names (pg_trgm similarity of "first last" ≥ 0.6) and the same birth date. Each
    pair appears once with every reason that applies. "Newest" is the pair's more recently
    created customer. Two queries whatever the number of pairs: the pairs, then both customers
    of every pair with their group.
    """
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            _DUPLICATE_PAIRS_SQL.format(table=table),
            {
                "phone": DuplicateReason.PHONE.value,
                "email": DuplicateReason.EMAIL.value,
                "name": DuplicateReason.NAME_AND_BIRTH_DATE.value,
                "archived": CustomerStatus.ARCHIVED.value,
                "person": Customer.Kind.PERSON.value,
                "max_contact": MAX_CUSTOMERS_SHARING_A_CONTACT,
                "max_birth_date": MAX_CUSTOMERS_SHARING_A_BIRTH_DATE,
                "threshold": NAME_SIMILARITY_THRESHOLD,
                "limit": limit,
            },
        )
        rows = cursor.fetchall()
    ids = {customer_id for first_id, second_id, _reasons in rows for customer_id in (first_id, second_id)}
    customers = Customer.objects.select_related("group").in_bulk(ids)
    return [
        DuplicatePair(
            older=customers[first_id],
            newer=customers[second_id],
            reasons=tuple(DuplicateReason(reason) for reason in reasons),
        )
        for first_id, second_id, reasons in rows
        # A customer deleted between the two queries (merged by someone else) drops its pair.
        if first_id in customers and second_id in customers
    ]


# --- merging ------------------------------------------------------------------------------------

# The fields a merge fills on the kept record when they are empty there.
MERGE_FILLED_FIELDS = tuple(name for name in EDITABLE_FIELDS if name not in ("kind", *CONSENT_FIELDS))
PURCHASE_FIELDS = ("purchase_count", "purchase_total", "first_purchase_at", "last_purchase_at")
# Introduced > Control > Archived: the merged record keeps the more active status of the two.
STATUS_RANK = {CustomerStatus.ARCHIVED: 0, CustomerStatus.CONTROL: 1, CustomerStatus.INTRODUCED: 2}


def _is_empty(value) -> bool:
    return value is None or value == ""


@dataclass(frozen=True)
class MergeRow:
    """One line of the merge page: a field's value on each record and after the merge."""

    label: str
    kept: str
    removed: str
    result: str
    is_from_removed: bool
    is_combined: bool = False


@dataclass
class MergeOutcome:
    """What merging `remove` into `keep` changes on `keep`.

    `changes` maps a Customer field name to (old value, new value) and holds only fields that
    change; `property_changes` does the same for custom property codes; `properties` is the kept
    record's complete set of property values after the merge.
    """

    keep: Customer
    remove: Customer
    changes: dict[str, tuple] = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    property_changes: dict[str, tuple] = field(default_factory=dict)
    custom_properties: dict[str, CustomProperty] = field(default_factory=dict)

    def value(self, name: str):
        """The value of field `name` on the kept record after the merge."""
        if name in self.changes:
            return self.changes[name][1]
        return getattr(self.keep, name)

    def rows(self) -> list[MergeRow]:
        """The lines of the merge page: every field either record has a value for."""
        rows = []
        names = (*MERGE_FILLED_FIELDS, "status", *CONSENT_FIELDS, *PURCHASE_FIELDS)
        for name in names:
            kept, removed = getattr(self.keep, name), getattr(self.remove, name)
            if _is_empty(kept) and _is_empty(removed):
                continue
            result = self.value(name)
            is_combined = name in PURCHASE_FIELDS and name in self.changes and result != removed
            rows.append(
                MergeRow(
                    label=capfirst(Customer._meta.get_field(name).verbose_name),
                    kept=_display(name, kept),
                    removed=_display(name, removed),
                    result=_display(name, result),
                    is_from_removed=name in self.changes and not is_combined,
                    is_combined=is_combined,
                )
            )
        for code in sorted(set(self.keep.properties) | set(self.remove.properties)):
            prop = self.custom_properties.get(code)

            def display(value, prop=prop):
                return property_value_display(prop, value) if prop is not None else _display_plain(value)

            rows.append(
                MergeRow(
                    label=prop.label if prop is not None else code,
                    kept=display(self.keep.properties.get(code)),
                    removed=display(self.remove.properties.get(code)),
                    result=display(self.properties.get(code)),
                    is_from_removed=code in self.property_changes,
                )
            )
        return rows


def _display_plain(value) -> str:
    if _is_empty(value):
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        value = template_localtime(value)
    return str(localize(value))


def _display(name: str, value) -> str:
    """A field's value as the card shows it (choice labels, localised dates, readable phone)."""
    if _is_empty(value):
        return ""
    model_field = Customer._meta.get_field(name)
    if model_field.is_relation:
        return str(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if name == "phone":
        return phone_display(value)
    if isinstance(value, Decimal):
        return localize(value)
    return _display_plain(value)


def customer_merge_refusal(*, keep: Customer, remove: Customer) -> str | None:
    """Why `remove` cannot be merged into `keep`, or None when it can."""
    if keep.pk == remove.pk:
        return _("A customer cannot be merged with itself.")
    if keep.kind != remove.kind:
        return _("A private person and a business cannot be merged: only customers of the same type can.")
    return None


def _consents_taken(keep: Customer, remove: Customer) -> list[str]:
    """The consent fields the kept record takes from the other one.

    Keep's own consent stays. Where keep has none and the other record gave consent, keep takes
    it, unless keep's history holds a withdrawal on that channel recorded after the other
    record's consent: the person's latest word wins.
    """
    candidates = [name for name in CONSENT_FIELDS if not getattr(keep, name) and getattr(remove, name)]
    if not candidates:
        return []
    latest = {
        (row["customer_id"], row["channel"], row["is_given"]): row["latest"]
        for row in ConsentEvent.objects.filter(
            customer__in=(keep.pk, remove.pk), channel__in=[CONSENT_FIELDS[name] for name in candidates]
        )
        .values("customer_id", "channel", "is_given")
        .annotate(latest=Max("created_at"))
        .order_by()
    }
    taken = []
    for name in candidates:
        channel = CONSENT_FIELDS[name]
        withdrawn_at = latest.get((keep.pk, channel, False))
        given_at = latest.get((remove.pk, channel, True))
        if withdrawn_at is not None and (given_at is None or withdrawn_at > given_at):
            continue
        taken.append(name)
    return taken


def customer_merge_outcome(*, keep: Customer, remove: Customer) -> MergeOutcome:
    """What the kept record looks like after `remove` is merged into it (nothing is written).

    - every empty field of `keep` takes the value of `remove` (a contact person's company only
      when it is not `keep` itself; a `keep` that was a contact of `remove` loses that link);
    - custom property values missing on `keep` are taken from `remove`;
    - purchase figures add up: counts and totals are summed, the first purchase is the earlier
      one, the last purchase the later one;
    - consent: see `_consents_taken`;
    - status: the more active of the two (Introduced > Control > Archived). A record that would
      become Introduced through the merge but misses required data becomes Control instead.
    """
    outcome = MergeOutcome(keep=keep, remove=remove)
    changes = outcome.changes
    for name in MERGE_FILLED_FIELDS:
        attribute = Customer._meta.get_field(name).attname
        if _is_empty(getattr(keep, attribute)) and not _is_empty(getattr(remove, attribute)):
            if name == "company" and remove.company_id == keep.pk:
                continue
            changes[name] = (getattr(keep, name), getattr(remove, name))
    if keep.company_id is not None and keep.company_id == remove.pk:
        changes["company"] = (keep.company, None)
    for name in _consents_taken(keep, remove):
        changes[name] = (False, True)
    if remove.purchase_count:
        changes["purchase_count"] = (keep.purchase_count, keep.purchase_count + remove.purchase_count)
    if remove.purchase_total:
        changes["purchase_total"] = (keep.purchase_total, keep.purchase_total + remove.purchase_total)
    for name, pick in (("first_purchase_at", min), ("last_purchase_at", max)):
        dates = [value for value in (getattr(keep, name), getattr(remove, name)) if value is not None]
        if dates and pick(dates) != getattr(keep, name):
            changes[name] = (getattr(keep, name), pick(dates))

    outcome.properties = dict(keep.properties)
    for code, value in remove.properties.items():
        if _is_empty(outcome.properties.get(code)) and not _is_empty(value):
            outcome.property_changes[code] = (keep.properties.get(code), value)
            outcome.properties[code] = value

    properties = property_list(include_archived=True)
    outcome.custom_properties = {prop.code: prop for prop in properties}
    status = max(keep.status, remove.status, key=lambda value: STATUS_RANK[value])
    if status != keep.status and status == CustomerStatus.INTRODUCED:
        merged = copy.copy(keep)
        for name, (_old, new) in changes.items():
            setattr(merged, name, new)
        merged.properties = outcome.properties
        if customer_missing(merged, [prop for prop in properties if not prop.is_archived]):
            status = CustomerStatus.CONTROL
    if status != keep.status:
        changes["status"] = (keep.status, status)
    return outcome
