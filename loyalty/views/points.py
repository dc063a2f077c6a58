"""The customer card's Points tab: its ledger with filters, and manual adjustments.

The tab itself is rendered by the customer card (its provider is `points_tab_context`). The
ledger's filters and pages are htmx gets of `customer_points_ledger_view`, which answers with the
ledger alone, or, without JavaScript, with a page of its own. An adjustment is an htmx post that
answers with the tab, the service's refusal shown beside the field that caused it; without
JavaScript the same post redirects back to the tab with a message.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from customers.models import Customer
from loyalty.forms.points import PointsAdjustForm
from loyalty.selectors.points import balance_of, points_expiring, points_ledger_context
from loyalty.services.ledger import points_adjust
from sales.views.common import form_errors_apply
from staff.roles import Right, perm

TAB_TEMPLATE = "loyalty/points/_tab_points.html"
EXPIRING_WITHIN_DAYS = 30


def points_tab_context(
    customer: Customer, *, page=None, params=None, adjust_form: PointsAdjustForm | None = None
) -> dict:
    """The card's Points tab (its provider, registered in LoyaltyConfig.ready()): the balance,
    what expires in the next 30 days, the adjustment form and the ledger. `params` are the
    ledger's filters (the tab's own URL has none; the ledger's URL passes them)."""
    today = timezone.localdate()
    balance = balance_of(customer.pk)
    return {
        "points_balance": balance,
        # What expires is part of the balance: with none, nothing does (and nothing is asked).
        "points_expiring": points_expiring(customer_id=customer.pk, within_days=EXPIRING_WITHIN_DAYS, today=today)
        if balance > 0
        else 0,
        "points_expiring_by": today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
        "points_adjust_form": adjust_form or PointsAdjustForm(),
        **points_ledger_context(customer, params=params, page=page),
    }


def _forbidden(request, customer: Customer, message: str):
    """403 with the message that says which right is missing, and a way back to the tab."""
    return render(
        request, "loyalty/points/forbidden.html", {"customer": customer, "forbidden_message": message}, status=403
    )


@right_required(Right.VIEW_CUSTOMERS)
def customer_points_ledger_view(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    context = {
        "customer": customer,
        **points_ledger_context(customer, params=request.GET, page=request.GET.get("page")),
    }
    if request.htmx:
        return render(request, "loyalty/points/_ledger.html", context)
    return render(request, "loyalty/points/ledger_page.html", context)


@require_POST
@right_required(Right.VIEW_CUSTOMERS)
def customer_points_adjust_view(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    no_right = _("You may not adjust loyalty points: ask an admin for the right “May adjust loyalty points”.")
    # Checked here, before anything is read from the post (a forged form of a user without the
    # right); the service checks it again.
    if not request.user.has_perm(perm(Right.ADJUST_POINTS)):
        return _forbidden(request, customer, no_right)
    form = PointsAdjustForm(request.POST)
    notice = ""
    if form.is_valid():
        try:
            entry = points_adjust(
                customer=customer,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                kind=form.cleaned_data["kind"],
                acting_user=request.user,
            )
        except PermissionDenied as error:
            return _forbidden(request, customer, str(error) or no_right)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            notice = _("%(points)s points recorded for %(name)s; the balance is %(balance)s.") % {
                "points": f"{entry.points:+d}",
                "name": customer,
                "balance": entry.balance_after,
            }
            form = None
    if not request.htmx:
        if form is not None:
            messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        else:
            messages.success(request, notice)
        return redirect("customers:customer_detail_tab", customer_id=customer.pk, tab="points")
    context = {"customer": customer, "points_notice": notice, **points_tab_context(customer, adjust_form=form)}
    return render(request, TAB_TEMPLATE, context)
