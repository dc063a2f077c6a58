from django.db.models import QuerySet

from crm.rows import JoinedSelect
from tenants.models import Domain, Tenant


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
    """The tenant (with its plan) that the host name belongs to, or None: one statement."""
    return _BY_HOSTNAME.first([hostname])
