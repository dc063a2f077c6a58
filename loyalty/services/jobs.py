"""The programme's scheduled work: points expiry and birthday bonuses. Each can run any number of
times a day and does its work once (an expiry takes only what is due and not taken yet; a
birthday bonus carries a once-key per year).

Expiry is first-in, first-out: every debit (redeemed, taken back, expired, taken by hand) uses the
oldest credits first. So by a day D the points due to expire are the credits that expire by D
less every debit so far, when that is positive.

The two entries a merge writes to move a balance (MERGE_OUT on the removed customer, MERGE_IN on
the kept one) end up both on the kept customer with the removed customer's other entries, where
they cancel out; they are left out of the sums, so the moved credits keep their expiry dates and
the kept customer's own credits are not counted as spent by the move.
"""

import datetime

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, CustomerStatus
from loyalty.models import PointsEntry
from loyalty.services.ledger import account_lock, entry_write, points_credit_once, programme_get

MERGE_KINDS = (PointsEntry.Kind.MERGE_IN, PointsEntry.Kind.MERGE_OUT)


def _due(customer_id: int, *, on: datetime.date) -> int:
    entries = PointsEntry.objects.filter(customer_id=customer_id).exclude(kind__in=MERGE_KINDS)
    figures = entries.aggregate(
        credits_due=Sum("points", filter=Q(points__gt=0, expires_on__lte=on)),
        debits=Sum("points", filter=Q(points__lt=0)),
    )
    return max(0, (figures["credits_due"] or 0) + (figures["debits"] or 0))


def points_expiring(*, customer_id: int, within_days: int = 30, today: datetime.date | None = None) -> int:
    """Points that will expire in the next `within_days` days unless spent first."""
    today = today or timezone.localdate()
    return _due(customer_id, on=today + datetime.timedelta(days=within_days)) - _due(customer_id, on=today)


@transaction.atomic
def customer_points_expire(*, customer_id: int, today: datetime.date) -> PointsEntry | None:
    account = account_lock(customer_id)
    due = min(_due(customer_id, on=today), max(account.balance, 0))
    if due <= 0:
        return None
    return entry_write(
        account=account,
        kind=PointsEntry.Kind.EXPIRE,
        points=-due,
        source=PointsEntry.Source.SCHEDULED,
        reason=_("Points earned until %(day)s expired") % {"day": today.isoformat()},
    )


def points_expire_all(*, today: datetime.date | None = None) -> int:
    """Expire what is due for every customer with credits expiring by today; returns the count
    of customers whose points expired. One short transaction per customer."""
    today = today or timezone.localdate()
    candidates = (
        PointsEntry.objects.filter(points__gt=0, expires_on__lte=today, customer__points_account__balance__gt=0)
        .values_list("customer_id", flat=True)
        .distinct()
        .order_by("customer_id")
    )
    return sum(
        1
        for customer_id in candidates.iterator(chunk_size=1000)
        if customer_points_expire(customer_id=customer_id, today=today)
    )


def birthday_bonuses_give(*, today: datetime.date | None = None) -> int:
    """Give the programme's birthday bonus to every active customer whose birthday is today (born
    on 29 February: on 28 February in other years), at most once a year. Returns how many got it."""
    today = today or timezone.localdate()
    programme = programme_get()
    if not programme.is_enabled or not programme.birthday_bonus:
        return 0
    condition = Q(birth_date__month=today.month, birth_date__day=today.day)
    if today.month == 2 and today.day == 28 and not _is_leap(today.year):
        condition |= Q(birth_date__month=2, birth_date__day=29)
    given = 0
    customers = (
        Customer.objects.filter(condition)
        .exclude(status=CustomerStatus.ARCHIVED)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    for customer_id in customers.iterator(chunk_size=1000):
        with transaction.atomic():
            entry = points_credit_once(
                customer_id=customer_id,
                points=programme.birthday_bonus,
                once_key=f"birthday:{today.year}",
                reason=_("Birthday bonus %(year)s") % {"year": today.year},
                source=PointsEntry.Source.SCHEDULED,
            )
        given += entry is not None
    return given


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
