"""Possible duplicates and merging two customers into one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.permissions import right_required
from customers.models import Customer
from customers.selectors.customers import customer_get
from customers.selectors.duplicates import customer_duplicate_pairs, customer_merge_outcome, customer_merge_refusal
from customers.services.merging import customer_merge
from staff.roles import Right

# How many pairs the page lists; merging them makes room for the next ones.
PAIRS_SHOWN = 100


@require_http_methods(["GET"])
@right_required(Right.MANAGE_CUSTOMERS)
def customer_duplicates_view(request):
    pairs = customer_duplicate_pairs(limit=PAIRS_SHOWN)
    return render(
        request,
        "customers/duplicates/duplicate_list.html",
        {"pairs": pairs, "is_cut_off": len(pairs) == PAIRS_SHOWN, "pairs_shown": PAIRS_SHOWN},
    )


def _customer_or_none(raw: str | None) -> Customer | None:
    try:
        return customer_get(customer_id=int(raw or ""))
    except (ValueError, Customer.DoesNotExist):
        return None


@require_http_methods(["GET", "POST"])
@right_required(Right.MANAGE_CUSTOMERS)
def customer_merge_view(request):
    """GET ?keep=<id>&remove=<id>: both records and the merged result; POST: merge them."""
    data = request.POST if request.method == "POST" else request.GET
    keep, remove = _customer_or_none(data.get("keep")), _customer_or_none(data.get("remove"))
    if keep is None or remove is None:
        messages.error(request, _("One of the two customers no longer exists; it may have been merged already."))
        return redirect("customers:customer_duplicates")
    if request.method == "POST":
        removed = f"{remove} (#{remove.pk})"
        try:
            kept = customer_merge(tenant=request.tenant, keep=keep, remove=remove, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("customers:customer_duplicates")
        messages.success(request, _("%(removed)s was merged into %(kept)s.") % {"removed": removed, "kept": kept})
        return redirect(reverse("customers:customer_detail", kwargs={"customer_id": kept.pk}))
    refusal = customer_merge_refusal(keep=keep, remove=remove)
    outcome = None if refusal else customer_merge_outcome(keep=keep, remove=remove)
    return render(
        request,
        "customers/duplicates/merge_confirm.html",
        {"keep": keep, "remove": remove, "refusal": refusal, "outcome": outcome},
    )
