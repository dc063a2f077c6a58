"""Settings for a real deployment (docker-compose.yml): secure by default.

`manage.py check --deploy` passes with no warning (tests/crm/test_settings.py).
"""

from django.core.exceptions import ImproperlyConfigured

from crm.settings.base import *  # noqa: F403
from crm.settings.base import SECRET_KEY, env, env_bool

DEBUG = False
if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set REGULARS_SECRET_KEY to a random string of at least 50 characters.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("REGULARS_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("REGULARS_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
