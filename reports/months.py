"""Calendar months of a period, for reports that show a row per month."""

import datetime


def month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    month = first.replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def month_label(month: datetime.date) -> str:
    return month.strftime("%Y-%m")
