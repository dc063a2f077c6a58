from django.shortcuts import render

from crm.permissions import right_required
from staff.roles import Right
from tariffs.selectors import tenant_usage


@right_required(Right.MANAGE_STAFF)
def plan_usage_view(request):
    return render(
        request,
        "tariffs/plan_usage.html",
        {"plan": request.tenant.plan, "usage": tenant_usage(tenant=request.tenant)},
    )
