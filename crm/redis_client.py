"""One Redis client per process for what a request counts itself (the till's rate limit): plain
commands in one round trip, short timeouts so that a request without Redis goes on at once
instead of waiting for it."""

import threading

import redis
from django.conf import settings

_lock = threading.Lock()
_client: redis.Redis | None = None


def redis_client() -> redis.Redis:
    global _client
    with _lock:
        if _client is None:
            _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        return _client
