"""Requests per terminal per window, counted in the cache (Redis).

A fixed window with an atomic counter: `incr` counts, `add` starts the window's key, so
concurrent requests of one terminal never lose a count (DRF's SimpleRateThrottle reads and
rewrites a list, which loses counts under concurrency and costs more per request). Cache keys
go through django-tenants' key function, so terminal ids of two retailers never share a key.
"""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

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
        terminal = request.auth
        if terminal is None:
            return True
        now = time.time()
        window = int(now // self.period)
        self.window_ends_at = (window + 1) * self.period
        key = f"{self.key_prefix}:{terminal.pk}:{self.period}:{window}"
        # The key outlives its window a little so that a slow request still finds it.
        timeout = self.period + 5
        try:
            count = cache.incr(key)
        except ValueError:
            # The first request of the window (or of two at once, the other one's add wins).
            count = 1 if cache.add(key, 1, timeout) else cache.incr(key)
        return count <= self.allowed

    def wait(self) -> float:
        return max(self.window_ends_at - time.time(), 1)
