from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_tenants.utils import get_tenant_model, tenant_context

from tariffs.registry import RESOURCES, usage_count


@dataclass(frozen=True)
class LimitUsage:
    resource: str
    label: str
    limit: int
    used: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def is_reached(self) -> bool:
        return self.used >= self.limit

    @property
    def percent(self) -> int:
        if self.limit == 0:
            return 100
        return min(round(self.used * 100 / self.limit), 100)


class PlanLimitReached(ValidationError):
    pass


def tenant_usage(*, tenant) -> list[LimitUsage]:
    """How much of each limit of the retailer's plan it uses, in the order of RESOURCES."""
    with tenant_context(tenant):
        return [
            LimitUsage(
                resource=resource,
                label=str(label),
                limit=tenant.plan.limit_for(resource),
                used=usage_count(resource),
            )
            for resource, label in RESOURCES.items()
        ]


def plan_limit_check(*, tenant, resource: str, adding: int = 1) -> None:
    """Refuse, with a message naming the plan, the cap and the count, to go past a plan limit.

    Locks the retailer's row until the caller's transaction ends, so that concurrent callers
    count one after the other and the cap holds; call it inside that transaction, before the
    write it guards.
    """
    locked = (
        get_tenant_model().objects.select_for_update(no_key=True, of=("self",)).select_related("plan").get(pk=tenant.pk)
    )
    limit = locked.plan.limit_for(resource)
    with tenant_context(tenant):
        used = usage_count(resource)
    if used + adding > limit:
        raise PlanLimitReached(
            _(
                "%(resource)s: the plan “%(plan)s” allows %(limit)s and %(used)s are in use. "
                "Ask the platform operator for a larger plan."
            )
            % {"resource": RESOURCES[resource], "plan": locked.plan.name, "limit": limit, "used": used},
            code="plan_limit",
        )
