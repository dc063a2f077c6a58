from django.db.models import QuerySet
from django_tenants.utils import tenant_context

from crm import request_cache
from crm.rows import JoinedSelect
from tenants.models import Domain, Tenant, TenantEvent
from tenants.registry import currency_time_zone_locks


def tenant_list() -> QuerySet[Tenant]:
    """Every retailer (not the platform's own public schema), with plan and domains."""
    return Tenant.objects.exclude(schema_name="public").select_related("plan").prefetch_related("domains")


def tenant_get(*, schema_name: str) -> Tenant:
    return Tenant.objects.select_related("plan").get(schema_name=schema_name)


# The retailer of a host name, on every request (crm.middleware.TenantMiddleware).
_BY_HOSTNAME = JoinedSelect(
    Tenant,
    "d.domain = %s",
    joins=("plan",),
    extra_from=(
        f'INNER JOIN "{Domain._meta.db_table}" AS d ON d."{Domain._meta.get_field("tenant").column}" = '
        f't0."{Tenant._meta.pk.column}"'
    ),
)


def tenant_of_hostname(*, hostname: str) -> Tenant | None:
    """The tenant (with its plan) that the host name belongs to, or None: one statement, or
    none in a request when this process read it under the request's stamp (crm.request_cache)."""
    row = request_cache.cached(("tenant-of-host", hostname), lambda: _BY_HOSTNAME.row([hostname]))
    return None if row is None else _BY_HOSTNAME.instance(row)


def tenant_currency_time_zone_lock(*, tenant: Tenant) -> str | None:
    """Why the retailer's currency and time zone can no longer change (the first registered lock
    that holds in its schema: its first sale, say), or None while they still may."""
    with tenant_context(tenant):
        for lock in currency_time_zone_locks.items():
            if lock.is_locked():
                return str(lock.reason)
    return None


def tenant_currency_time_zone_history(*, tenant: Tenant, limit: int = 20) -> list[TenantEvent]:
    """The latest changes of the retailer's currency and time zone, by its owner or by the
    platform operator (whose change of the retailer's details may include them), newest first."""
    kinds = (TenantEvent.Kind.CURRENCY_TIME_ZONE_CHANGED, TenantEvent.Kind.DETAILS_CHANGED)
    return list(TenantEvent.objects.filter(tenant=tenant, kind__in=kinds)[:limit])
