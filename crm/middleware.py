import time
import zoneinfo

from django.db import connection
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware

from crm import request_cache
from tenants.selectors import tenant_of_hostname


class TenantMiddleware(TenantMainMiddleware):
    """Pick the retailer's schema by host name; an unknown host gets a clear page. The request's
    look-ups of rarely changed rows are checked against one stamp read here (crm.request_cache)."""

    def __call__(self, request):
        request_cache.begin()
        try:
            return super().__call__(request)
        finally:
            request_cache.end()

    def get_tenant(self, domain_model, hostname):
        tenant = tenant_of_hostname(hostname=hostname)
        if tenant is None:
            raise domain_model.DoesNotExist(hostname)
        return tenant

    def no_tenant_found(self, request, hostname):
        return render(request, "errors/unknown_host.html", {"hostname": hostname}, status=404)


def tenant_time_zone_activate(tenant) -> None:
    """Dates and times in the retailer's own time zone (a report's months, a receipt's time).

    `tenant` is a retailer, the platform's public tenant, None, or the stand-in that django-tenants
    puts on a connection that only knows a schema name (`FakeTenant`: a task on the public schema,
    `schema_context()`), which has neither a time zone nor `is_public`. Only a retailer has a zone.
    """
    zone = getattr(tenant, "time_zone", "") or ""
    if zone and tenant.is_public:
        zone = ""
    try:
        timezone.activate(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # No zone (the platform's own pages) or an unknown one: the installation's TIME_ZONE.
        timezone.deactivate()


class TenantTimeZoneMiddleware:
    """Every request of a retailer's back office runs in the retailer's time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant_time_zone_activate(getattr(request, "tenant", None))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SuspendedTenantMiddleware:
    """A suspended retailer's staff see a page that says so instead of their back office."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is not None and not tenant.is_public and not tenant.is_active:
            translation.activate(translation.get_language_from_request(request) or tenant.language)
            return render(
                request,
                "errors/suspended.html",
                {"tenant": tenant, "title": _("This back office is suspended")},
                status=403,
            )
        return self.get_response(request)


class UserLanguageMiddleware:
    """Show the interface in the language the staff user chose (else the retailer's default).

    Runs after authentication; a language in the cookie wins only for anonymous visitors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tenant = getattr(request, "tenant", None)
        if user is not None and user.is_authenticated:
            language = user.language or (tenant.language if tenant is not None else None)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ServerTimingMiddleware:
    """Add `Server-Timing: app;dur=<ms>, db;dur=<ms>;desc="<n> queries"` to every response: the
    server's own time for the request and its share in SQL, for the benchmark (settings.bench)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sql = _SqlTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(sql):
            response = self.get_response(request)
        if getattr(response, "streaming", False):
            return response
        elapsed = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f'app;dur={elapsed:.2f}, db;dur={sql.seconds * 1000:.2f};desc="{sql.count} queries"'
        return response


class _SqlTimer:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.seconds += time.perf_counter() - started
