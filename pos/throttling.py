"""Requests per terminal per window, counted in Redis.

A fixed window with an atomic counter, in one round trip: `SET … NX EX` starts the window's key
(never resetting one that exists), `INCR` counts, so concurrent requests of one terminal never
lose a count (DRF's SimpleRateThrottle reads and rewrites a list, which loses counts under
concurrency and costs more per request). The key names the retailer's schema, so terminal ids of
two retailers never share a count. Without Redis the request is let through (and logged): a till
keeps selling while Redis is away, and after a failure Redis is not asked again for a few
seconds (each request would wait for its timeout).
"""

import logging
import time

import redis
from django.conf import settings
from django.db import connection
from rest_framework.throttling import BaseThrottle

from crm.redis_client import redis_client

logger = logging.getLogger(__name__)

# After Redis failed to answer, requests are let through uncounted until this moment.
RETRY_AFTER_FAILURE_SECONDS = 5.0
_skip_until = 0.0

PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def rate_parse(rate: str) -> tuple[int, int]:
    """600/min → (600, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip().lower()]


class TerminalRateThrottle(BaseThrottle):
    """At most `rate` requests per terminal (settings.POS_TERMINAL_RATE); a subclass may set another rate."""

    rate = settings.POS_TERMINAL_RATE
    key_prefix = "pos-throttle"

    def __init__(self):
        self.allowed, self.period = rate_parse(self.rate)
        self.window_ends_at = 0.0

    def allow_request(self, request, view) -> bool:
        global _skip_until
        terminal = request.auth
        if terminal is None:
            return True
        now = time.time()
        window = int(now // self.period)
        self.window_ends_at = (window + 1) * self.period
        key = f"{self.key_prefix}:{connection.schema_name}:{terminal.pk}:{self.period}:{window}"
        # The key outlives its window a little so that a slow request still finds it.
        timeout = self.period + 5
        if time.monotonic() < _skip_until:
            return True
        try:
            pipeline = redis_client().pipeline(transaction=False)
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incr(key)
            _started, count = pipeline.execute()
        except redis.RedisError:
            _skip_until = time.monotonic() + RETRY_AFTER_FAILURE_SECONDS
            logger.warning(
                "The till's rate limit is not counted for %.0f s: Redis is not answering.", RETRY_AFTER_FAILURE_SECONDS
            )
            return True
        return count <= self.allowed

    def wait(self) -> float:
        return max(self.window_ends_at - time.time(), 1)
