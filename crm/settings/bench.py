"""Settings for `make bench`: the production settings, served over plain HTTP on loopback, with
each response saying how long the server took (the Server-Timing header the benchmark reads)."""

from crm.settings.production import *  # noqa: F403
from crm.settings.production import MIDDLEWARE

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MIDDLEWARE = ["crm.middleware.ServerTimingMiddleware", *MIDDLEWARE]
# The targets are the platform's (400 sales/s from 16 tills), not one till's: a deployment's
# 600 requests a minute per terminal would cap 16 tills at 160 requests/s.
POS_TERMINAL_RATE = "100000/min"
