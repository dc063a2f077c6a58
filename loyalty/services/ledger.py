"""The points ledger: every movement of points is written here, on a locked account.

`account_lock` takes the customer's account row FOR UPDATE (creating it when missing), so that
movements of one customer run one after the other; `entry_write` then appends the entry with the
balance it leaves. The database checks both: its insert trigger adds the points to the account and
refuses an entry whose `balance_after` is not the account's new balance, and refuses updates and
deletes of entries (see loyalty/migrations/0002_ledger_triggers.py).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.copy import copy_values
from customers.models import Customer
from loyalty.models import PointsAccount, PointsEntry
from loyalty.rules import expiry_date
from loyalty.selectors.programme import programme_read
from staff.models import User
from staff.roles import Right, perm


def account_lock(customer_id: int) -> PointsAccount:
    """The customer's account, locked for the rest of the transaction (made the first time)."""
    account = PointsAccount.objects.select_for_update(no_key=True).filter(pk=customer_id).first()
    if account is not None:
        return account
    # Two first movements at once both get here: the insert of one waits for the other's, then
    # does nothing, and both lock the one row.
    PointsAccount.objects.bulk_create([PointsAccount(customer_id=customer_id)], ignore_conflicts=True)
    return PointsAccount.objects.select_for_update(no_key=True).get(pk=customer_id)


def _accounts_make(customer_ids: list[int]) -> list[int]:
    """Make the customers' missing accounts in one INSERT (in primary-key order, as they are then
    locked); returns the ids sorted."""
    customer_ids = sorted(set(customer_ids))
    table = connection.ops.quote_name(PointsAccount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (customer_id, balance) SELECT unnest(%s::bigint[]), 0 ON CONFLICT DO NOTHING",
            [customer_ids],
        )
    return customer_ids


def accounts_lock(customer_ids: list[int]) -> dict[int, PointsAccount]:
    """Several accounts, locked in primary-key order (as every writer locking several does)."""
    customer_ids = _accounts_make(customer_ids)
    return {
        account.pk: account
        for account in PointsAccount.objects.select_for_update(no_key=True).filter(pk__in=customer_ids).order_by("pk")
    }


def account_balances_lock(customer_ids: list[int]) -> dict[int, int]:
    """The customers' accounts locked as `accounts_lock` locks them, for an import's thousands:
    the missing ones made in one INSERT, all locked in primary-key order, their balances returned
    (no model instance each)."""
    customer_ids = _accounts_make(customer_ids)
    return dict(
        PointsAccount.objects.select_for_update(no_key=True)
        .filter(pk__in=customer_ids)
        .order_by("pk")
        .values_list("pk", "balance")
    )


def entry_write(*, account: PointsAccount, kind: str, points: int, source: str, **fields) -> PointsEntry:
    """Append an entry to a locked account and keep the account object in step."""
    balance = account.balance + points
    entry = PointsEntry.objects.create(
        customer_id=account.pk, kind=kind, points=points, balance_after=balance, source=source, **fields
    )
    account.balance = balance
    return entry


# The values of an entry points_credit_once_many writes, in its tuples' order.
_ONCE_ENTRY_FIELDS = (
    "customer_id",
    "kind",
    "points",
    "balance_after",
    "source",
    "reason",
    "author_id",
    "once_key",
    "expires_on",
)


def points_credit_once_many(
    *,
    points: dict[int, int],
    once_key: str,
    reason: str,
    source: str,
    kind: str = PointsEntry.Kind.BONUS,
    author_id: int | None = None,
) -> int:
    """`points_credit_once` for many customers (customer id -> points) at once, set-based: their
    accounts locked in one statement, the entries they have not had yet under `once_key` written
    in one COPY, each entry's balance its account's plus the points (as the ledger's insert
    trigger checks). Returns how many entries were written."""
    points = {customer_id: amount for customer_id, amount in points.items() if amount > 0}
    if not points:
        return 0
    ids = sorted(points)
    balances = account_balances_lock(ids)
    given = set(
        PointsEntry.objects.filter(customer_id__in=ids, once_key=once_key).values_list("customer_id", flat=True)
    )
    expires_on = expiry_date(programme=programme_read(), on=timezone.localdate())
    entries = [
        (
            customer_id,
            str(kind),
            points[customer_id],
            balances[customer_id] + points[customer_id],
            str(source),
            str(reason),
            author_id,
            once_key,
            expires_on,
        )
        for customer_id in ids
        if customer_id not in given
    ]
    copy_values(PointsEntry, _ONCE_ENTRY_FIELDS, entries)
    return len(entries)


def _reason_clean(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: the ledger shows it beside the adjustment.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("The reason is longer than 300 characters.")})
    return reason


@transaction.atomic
def points_adjust(
    *,
    customer: Customer,
    points: int,
    reason: str,
    acting_user: User | None,
    kind: str = PointsEntry.Kind.ADJUST,
    source=None,
    terminal=None,
    store=None,
) -> PointsEntry:
    """Add (positive) or take (negative) points by hand, or give bonus points (`kind` BONUS).

    Refused, with nothing written: a user (or a till's cashier) without the right "may adjust
    loyalty points"; no reason; zero points; more points than the programme's cap per adjustment;
    taking more points than the customer has.
    """
    if acting_user is not None and not acting_user.has_perm(perm(Right.ADJUST_POINTS)):
        raise PermissionDenied(
            _("You may not adjust loyalty points: ask an admin for the right “May adjust loyalty points”.")
        )
    reason = _reason_clean(reason)
    if kind not in (PointsEntry.Kind.ADJUST, PointsEntry.Kind.BONUS):
        raise ValidationError({"kind": _("Only an adjustment or a bonus can be given by hand.")})
    try:
        points = int(points)
    except (TypeError, ValueError):
        raise ValidationError({"points": _("Points are a whole number.")}) from None
    if points == 0:
        raise ValidationError({"points": _("Give a number of points other than zero.")})
    if kind == PointsEntry.Kind.BONUS and points < 0:
        raise ValidationError({"points": _("A bonus gives points; to take points, make an adjustment.")})
    programme = programme_read()
    if programme.adjustment_cap is not None and abs(points) > programme.adjustment_cap:
        raise ValidationError(
            {
                "points": _("At most %(cap)s points can be adjusted at a time; %(asked)s were asked.")
                % {"cap": programme.adjustment_cap, "asked": abs(points)}
            }
        )
    account = account_lock(customer.pk)
    if points < 0 and account.balance + points < 0:
        raise ValidationError(
            {
                "points": _("The customer has %(balance)s points; %(asked)s cannot be taken.")
                % {"balance": account.balance, "asked": -points}
            }
        )
    today = timezone.localdate()
    return entry_write(
        account=account,
        kind=kind,
        points=points,
        source=source or PointsEntry.Source.BACK_OFFICE,
        reason=reason,
        author=acting_user,
        terminal=terminal,
        store=store,
        expires_on=expiry_date(programme=programme, on=today) if points > 0 else None,
    )


def points_credit_once(
    *, customer_id: int, points: int, once_key: str, reason: str, source: str, kind: str = PointsEntry.Kind.BONUS
) -> PointsEntry | None:
    """Credit points that must be given only once (a welcome or a birthday bonus, an opening
    balance): nothing happens when an entry with the same `once_key` exists for the customer."""
    if points <= 0:
        return None
    account = account_lock(customer_id)
    if PointsEntry.objects.filter(customer_id=customer_id, once_key=once_key).exists():
        return None
    programme = programme_read()
    return entry_write(
        account=account,
        kind=kind,
        points=points,
        source=source,
        reason=reason,
        once_key=once_key,
        expires_on=expiry_date(programme=programme, on=timezone.localdate()),
    )
