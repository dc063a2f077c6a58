"""Settings for `make bench`: the production settings, served over plain HTTP on loopback, with
each response saying how long the server took (the Server-Timing header the benchmark reads)."""

from crm.settings.production import *  # noqa: F403
from crm.settings.production import MIDDLEWARE

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MIDDLEWARE = ["crm.middleware.ServerTimingMiddleware", *MIDDLEWARE]
