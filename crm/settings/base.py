"""Settings shared by every deployment.

Everything a deployment may change is read from environment variables here, in one place;
`test.py` and `production.py` only adjust what differs for their purpose.
"""

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Turn postgres://user:password@host:port/name into Django's DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"REGULARS_DATABASE_URL must start with postgres://, not {parsed.scheme!r}")
    return {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": unquote(parsed.path.lstrip("/")),
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        **database_connections(int(env("REGULARS_DATABASE_POOL", "0"))),
    }


def database_connections(pool_size: int) -> dict:
    """How a process holds its database connections.

    A web server runs with a pool (psycopg's, through Django): at most `pool_size` connections
    per process whatever the number of threads or requests, each handed to one request and back;
    a burst of requests waits up to ten seconds for one instead of opening more than PostgreSQL
    allows. Every connection is checked as it is handed out, so one broken by a database restart
    is replaced, not given to a request. Without a pool (the Celery worker, management commands)
    each thread keeps one connection for REGULARS_DATABASE_CONN_MAX_AGE seconds.
    """
    if pool_size <= 0:
        return {"CONN_MAX_AGE": int(env("REGULARS_DATABASE_CONN_MAX_AGE", "60")), "CONN_HEALTH_CHECKS": True}
    # With a pool, Django turns CONN_HEALTH_CHECKS into the pool's check of each connection.
    return {
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"pool": {"min_size": 1, "max_size": pool_size, "timeout": 10}},
    }


SECRET_KEY = env("REGULARS_SECRET_KEY", "insecure-development-key-change-me-in-production")
DEBUG = env_bool("REGULARS_DEBUG", False)

# The platform's own host name. Retailers live on sub-domains of it (demo.localhost); the host
# itself serves the platform operator's pages.
BASE_DOMAIN = env("REGULARS_BASE_DOMAIN", "localhost")
# Requests a POS terminal may make (sales, returns, look-ups together): "600/min", "20/s".
POS_TERMINAL_RATE = env("REGULARS_POS_TERMINAL_RATE", "600/min")
# The web process keeps the retailer of a host name and the terminal of a token between requests,
# told of every change by PostgreSQL (crm.request_cache; one listening connection per process).
REQUEST_CACHE = env_bool("REGULARS_REQUEST_CACHE", True)
ALLOWED_HOSTS = env_list("REGULARS_ALLOWED_HOSTS", f"{BASE_DOMAIN},.{BASE_DOMAIN}")
CSRF_TRUSTED_ORIGINS = env_list("REGULARS_CSRF_TRUSTED_ORIGINS")

DATABASES = {"default": database_from_url(env("REGULARS_DATABASE_URL", "postgres://postgres@127.0.0.1:54329/regulars"))}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REGULARS_REDIS_URL", "redis://127.0.0.1:63799/0")

# Apps whose tables live in the public schema: the platform's own data.
SHARED_APPS = [
    "django_tenants",
    "tenants",
    "tariffs",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "staff",
    "axes",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
]
# Apps whose tables every retailer gets in its own schema. Staff users, sessions, the admin log
# and login attempts are here too, so that each retailer has its own.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "staff",
    "axes",
    "customers",
    "sales",
    "loyalty",
    "reports",
    "pos",
    "campaigns",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS] + ["demo"]

TENANT_MODEL = "tenants.Tenant"
# A new retailer's schema is cloned from this one, kept migrated (tenants.template).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "crm.urls_public"
# Set the search path once per request rather than before every query.
TENANT_LIMIT_SET_CALLS = True
ROOT_URLCONF = "crm.urls_tenants"

AUTH_USER_MODEL = "staff.User"

MIDDLEWARE = [
    # First: static files are the same for every host, even an unknown or suspended one.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crm.middleware.TenantMiddleware",
    "crm.middleware.SuspendedTenantMiddleware",
    "crm.middleware.TenantTimeZoneMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.backoffice",
            ],
            "builtins": ["crm.templatetags.regulars"],
        },
    }
]
FORM_RENDERER = "crm.forms.BootstrapFormRenderer"

WSGI_APPLICATION = "crm.wsgi.application"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions are stored in each retailer's own schema, so a session of one retailer means nothing
# at another.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(env("REGULARS_SESSION_COOKIE_AGE", str(60 * 60 * 12)))

# Lock-out after repeated failed logins (django-axes), per user name and address, per retailer.
AXES_FAILURE_LIMIT = int(env("REGULARS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("REGULARS_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "staff.views.locked_out_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("et", _("Estonian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Tallinn"
LANGUAGE_COOKIE_NAME = "regulars_language"
FORMAT_MODULE_PATH = ["crm.formats"]
FILTERS_EMPTY_CHOICE_LABEL = "—"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("REGULARS_STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("REGULARS_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Each retailer's files go to a folder named after its schema.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Every key carries the schema of the retailer it was written for.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

CELERY_BROKER_URL = env("REGULARS_CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("REGULARS_CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Periodic jobs fan out to every active retailer (tenants.tasks.tenants_fan_out).
    "sessions-clear-every-night": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 24 * 60 * 60,
        "args": ("staff.tasks.sessions_clear",),
    },
    "points-expire-every-hour": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 60 * 60,
        "args": ("loyalty.tasks.points_expire_task",),
    },
    "report-runs-reap-every-ten-minutes": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 10 * 60,
        "args": ("reports.tasks.report_runs_reap_task",),
    },
    "report-runs-purge-every-night": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 24 * 60 * 60,
        "args": ("reports.tasks.report_runs_purge_task",),
    },
    "campaigns-due-every-minute": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 60,
        "args": ("campaigns.tasks.campaigns_due_task",),
    },
    "segment-sizes-every-night": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 24 * 60 * 60,
        "args": ("campaigns.tasks.segment_sizes_task",),
    },
    "customer-status-counts-fold-every-night": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 24 * 60 * 60,
        "args": ("customers.tasks.status_counts_fold_task",),
    },
    "gift-cards-expire-every-night": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 24 * 60 * 60,
        "args": ("loyalty.tasks.gift_cards_expire_task",),
    },
    "birthday-bonuses-every-hour": {
        "task": "tenants.tasks.tenants_fan_out",
        "schedule": 60 * 60,
        "args": ("loyalty.tasks.birthday_bonuses_task",),
    },
}

# Built reports (runs and their files) are deleted after this many days.
REPORT_RETENTION_DAYS = int(env("REGULARS_REPORT_RETENTION_DAYS", "30"))

EMAIL_HOST = env("REGULARS_EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("REGULARS_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("REGULARS_EMAIL_USER")
    EMAIL_HOST_PASSWORD = env("REGULARS_EMAIL_PASSWORD")
    EMAIL_USE_TLS = env_bool("REGULARS_EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Campaign e-mail through a provider's API instead of SMTP: any Django backend, e.g. django-anymail's
# "anymail.backends.mailgun.EmailBackend" with its ANYMAIL settings (docs/campaigns.md).
EMAIL_BACKEND = env("REGULARS_EMAIL_BACKEND", EMAIL_BACKEND)
# The provider's settings for django-anymail as JSON, e.g. {"MAILGUN_API_KEY": "…", "MAILGUN_SENDER_DOMAIN": "…"}.
ANYMAIL = json.loads(env("REGULARS_ANYMAIL", "{}"))
DEFAULT_FROM_EMAIL = env("REGULARS_DEFAULT_FROM_EMAIL", f"Regulars <no-reply@{BASE_DOMAIN}>")

# Campaign SMS (campaigns.sms): the backend, its file, and Twilio's account for TwilioSmsBackend.
SMS_BACKEND = env("REGULARS_SMS_BACKEND", "campaigns.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env("REGULARS_SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.jsonl"))
SMS_TWILIO_API_URL = env("REGULARS_SMS_TWILIO_API_URL", "https://api.twilio.com")
SMS_TWILIO_ACCOUNT_SID = env("REGULARS_SMS_TWILIO_ACCOUNT_SID")
SMS_TWILIO_AUTH_TOKEN = env("REGULARS_SMS_TWILIO_AUTH_TOKEN")
SMS_TWILIO_FROM = env("REGULARS_SMS_TWILIO_FROM")
# How links in messages (the unsubscribe link) reach the retailer's domain: https behind a proxy.
SITE_SCHEME = env("REGULARS_SITE_SCHEME", "https")
SITE_PORT = env("REGULARS_SITE_PORT")
# Messages a campaign hands to the backend per batch (one SMTP connection each).
CAMPAIGN_BATCH = int(env("REGULARS_CAMPAIGN_BATCH", "100"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "tenant_context": {"()": "django_tenants.log.TenantContextFilter"},
        "refusal": {"()": "crm.log_filters.RefusalFilter"},
    },
    "formatters": {
        "tenant_context": {
            "format": "%(asctime)s %(levelname)s [%(schema_name)s:%(domain_url)s] %(name)s: %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context"],
            "formatter": "tenant_context",
        }
    },
    "root": {"handlers": ["console"], "level": env("REGULARS_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own handlers for "django" (a console one when DEBUG) would print every record
        # a second time beside the root's: its records go to the root's handler only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["refusal"]},
    },
}
