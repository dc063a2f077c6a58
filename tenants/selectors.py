from django.db.models import QuerySet

from tenants.models import Tenant


def tenant_list() -> QuerySet[Tenant]:
    """Every retailer (not the platform's own public schema), with plan and domains."""
    return Tenant.objects.exclude(schema_name="public").select_related("plan").prefetch_related("domains")


def tenant_get(*, schema_name: str) -> Tenant:
    return Tenant.objects.select_related("plan").get(schema_name=schema_name)
