"""The programme's scheduled work: points expiry and birthday bonuses. Each can run any number of
times a day and does its work once (an expiry takes only what is due and not taken yet; a
birthday bonus carries a once-key per year).

What is due to expire is read by loyalty.selectors.points (first in, first out).
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, CustomerStatus
from loyalty.models import PointsEntry
from loyalty.selectors.points import points_due
from loyalty.selectors.programme import programme_read
from loyalty.services.ledger import account_lock, entry_write, points_credit_once


@transaction.atomic
def customer_points_expire(*, customer_id: int, today: datetime.date) -> PointsEntry | None:
    account = account_lock(customer_id)
    due = min(points_due(customer_id, on=today), max(account.balance, 0))
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
    programme = programme_read()
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
