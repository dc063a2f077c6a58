"""Loyalty's scheduled jobs (points expiry, birthday bonuses, gift cards' expiry); beat sends them
through tenants.tasks.tenants_fan_out, so each runs in every active retailer's schema."""

from crm.celery import app
from loyalty.services.gift import gift_cards_expire
from loyalty.services.jobs import birthday_bonuses_give, points_expire_all


@app.task
def points_expire_task() -> int:
    return points_expire_all()


@app.task
def birthday_bonuses_task() -> int:
    return birthday_bonuses_give()


@app.task
def gift_cards_expire_task() -> int:
    return gift_cards_expire()
