"""The back office's home page: the figures a retailer looks at first."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from reports.selectors import dashboard_figures
from staff.roles import Right, perm


@login_required
def dashboard_view(request):
    figures = dashboard_figures(tenant=request.tenant, include_usage=request.user.has_perm(perm(Right.MANAGE_STAFF)))
    return render(request, "reports/dashboard.html", figures)
