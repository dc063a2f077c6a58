"""The web server's database pool (REGULARS_DATABASE_POOL): a burst of requests in more threads
than the pool has connections waits for one and is answered, never opening more connections
than the pool's size (before, every thread kept a connection of its own, and a few hundred
requests to `make run` exhausted PostgreSQL with "too many clients")."""

import threading

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from crm.settings.base import database_connections

pytestmark = pytest.mark.usefixtures("committed_db")

NAME = "regulars-pool-test"


def test_twelve_threads_share_the_pools_two_connections():
    connections_setting = database_connections(2)
    options = {**connections_setting["OPTIONS"], "application_name": NAME}
    handler = ConnectionHandler({"default": {**connection.settings_dict, **connections_setting, "OPTIONS": options}})
    answers, peaks, errors = [], [], []

    def request(number: int) -> None:
        pooled = handler["default"]
        try:
            with pooled.cursor() as cursor:
                cursor.execute(
                    "SELECT %s, pg_sleep(0.1), (SELECT count(*) FROM pg_stat_activity WHERE application_name = %s)",
                    [number, NAME],
                )
                answer, _slept, open_now = cursor.fetchone()
            answers.append(answer)
            peaks.append(open_now)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            pooled.close()  # the end of a request: back to the pool

    threads = [threading.Thread(target=request, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert errors == []
        assert sorted(answers) == list(range(12))
        assert max(peaks) <= 2
    finally:
        handler["default"].close_pool()
