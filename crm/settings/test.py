"""Settings for pytest: the services `make test` starts on ports of their own, throw-away data."""

import os

os.environ.setdefault("REGULARS_DATABASE_URL", "postgres://postgres@127.0.0.1:54339/regulars")
os.environ.setdefault("REGULARS_REDIS_URL", "redis://127.0.0.1:63809/0")

from crm.settings.base import *  # noqa: E402,F403
from crm.settings.base import DATABASES, MEDIA_ROOT  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test's worker is given a real SMTP server on loopback.
if not os.environ.get("REGULARS_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_SCHEME, SITE_PORT = "http", os.environ.get("REGULARS_SITE_PORT", "")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = MEDIA_ROOT.parent / "test-media"
DATABASES["default"]["CONN_MAX_AGE"] = 0
# A test's rolled-back transaction never notifies: only the request cache's own tests switch it on.
REQUEST_CACHE = False
DATABASES["default"]["TEST"] = {"NAME": "regulars_test"}
