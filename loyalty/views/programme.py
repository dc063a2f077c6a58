"""Settings → Loyalty programme: the programme's settings, their history, earning rules, tiers, and
the "try it" panel that shows what a basket would earn and why, writing nothing (under /settings/loyalty/)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from customers.models import Customer
from loyalty.formatting import plain
from loyalty.forms.programme import EarningRuleForm, ProgrammeForm, TierForm, TryForm
from loyalty.models import EarningRule, Tier
from loyalty.selectors.earning import basket_preview
from loyalty.selectors.events import loyalty_event_page
from loyalty.selectors.programme import customer_matches, earning_rule_list, programme_read, tier_list
from loyalty.services.programme import (
    earning_rule_create,
    earning_rule_delete,
    earning_rule_update,
    programme_update,
    tier_create,
    tier_delete,
    tier_update,
)
from sales.views.common import form_errors_apply
from staff.roles import Right


@right_required(Right.MANAGE_SETTINGS)
def programme_view(request):
    programme = programme_read()
    form = ProgrammeForm(request.POST or None, initial=ProgrammeForm.initial_for(programme))
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        fields["no_earning_group_ids"] = fields.pop("no_earning_groups")
        try:
            programme_update(**fields, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Loyalty programme saved."))
            return redirect("loyalty:programme")
    return render(request, "loyalty/programme/programme_form.html", {"form": form, "programme": programme})


@right_required(Right.MANAGE_SETTINGS)
def programme_history_view(request):
    """Who changed the programme's settings, its earning rules, tiers and card types, when, and
    each value from old to new; newest first, a page at a time."""
    return render(request, "loyalty/programme/history.html", {"page": loyalty_event_page(page=request.GET.get("page"))})


# --- earning rules ------------------------------------------------------------------------------


@right_required(Right.MANAGE_SETTINGS)
def earning_rule_list_view(request):
    return render(
        request,
        "loyalty/programme/rule_list.html",
        {"rules": earning_rule_list(), "rate": plain(programme_read().points_per_unit)},
    )


@right_required(Right.MANAGE_SETTINGS)
def earning_rule_form_view(request, rule_id: int | None = None):
    rule = get_object_or_404(EarningRule, pk=rule_id) if rule_id else None
    initial = EarningRuleForm.initial_for(rule) if rule else {"kind": EarningRule.Kind.MULTIPLIER, "is_active": True}
    form = EarningRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                rule = earning_rule_create(**form.service_arguments(), acting_user=request.user)
            else:
                rule = earning_rule_update(rule=rule, **form.service_arguments(), acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Earning rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("loyalty:earning_rule_list")
    title = rule.name if rule else _("New earning rule")
    return render(request, "loyalty/programme/rule_form.html", {"form": form, "rule": rule, "title": title})


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def earning_rule_delete_view(request, rule_id: int):
    rule = get_object_or_404(EarningRule, pk=rule_id)
    if earning_rule_delete(rule=rule, acting_user=request.user):
        messages.success(request, _("Earning rule “%(name)s” deleted.") % {"name": rule.name})
    else:
        messages.success(
            request,
            _("Earning rule “%(name)s” has given points, so it is kept, switched off, for the points' history.")
            % {"name": rule.name},
        )
    return redirect("loyalty:earning_rule_list")


# --- tiers --------------------------------------------------------------------------------------


@right_required(Right.MANAGE_SETTINGS)
def tier_list_view(request):
    return render(request, "loyalty/programme/tier_list.html", {"tiers": tier_list(), "programme": programme_read()})


@right_required(Right.MANAGE_SETTINGS)
def tier_form_view(request, tier_id: int | None = None):
    tier = get_object_or_404(Tier, pk=tier_id) if tier_id else None
    form = TierForm(request.POST or None, initial=TierForm.initial_for(tier) if tier else {"multiplier": "1"})
    if request.method == "POST" and form.is_valid():
        try:
            if tier is None:
                tier = tier_create(**form.cleaned_data, acting_user=request.user)
            else:
                tier = tier_update(tier=tier, **form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Tier “%(name)s” saved.") % {"name": tier.name})
            return redirect("loyalty:tier_list")
    title = tier.name if tier else _("New tier")
    return render(request, "loyalty/programme/tier_form.html", {"form": form, "tier": tier, "title": title})


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def tier_delete_view(request, tier_id: int):
    tier = get_object_or_404(Tier, pk=tier_id)
    tier_delete(tier=tier, acting_user=request.user)
    messages.success(request, _("Tier “%(name)s” deleted.") % {"name": tier.name})
    return redirect("loyalty:tier_list")


# --- "try it" -----------------------------------------------------------------------------------


def _customer_links(request, matches: list[Customer]) -> list[dict]:
    """Each customer found, with the panel's address choosing it (all else typed kept)."""
    links = []
    for customer in matches:
        params = request.GET.copy()
        params["customer"] = customer.pk
        params["action"] = "pick"
        params.pop("q", None)
        links.append({"customer": customer, "query": params.urlencode()})
    return links


@right_required(Right.MANAGE_SETTINGS)
def try_view(request):
    """The panel is a GET form: it writes nothing, and its address can be kept or shared.
    "Find", picking a customer found and "Add a line" redraw it with what was typed (no checks
    yet); "Show points" checks the form and quotes."""
    action = request.GET.get("action", "try")
    preview = None
    matches = []
    if request.GET and action == "try":
        form = TryForm(request.GET)
        if form.is_valid():
            preview = basket_preview(
                customer=form.cleaned_data["customer"],
                store=form.cleaned_data["store"],
                when=form.cleaned_data["when"] or timezone.now(),
                rows=form.basket,
            )
    else:
        initial = {**TryForm.initial_now(), **{key: value for key, value in request.GET.items() if value}}
        form = TryForm(initial=initial, lines_from=request.GET or None, extra_line=action == "add_line")
        if action == "find":
            matches = _customer_links(request, customer_matches(request.GET.get("q", "")))
    customer_id = request.GET.get("customer", "")
    chosen = Customer.objects.select_related("group").filter(pk=customer_id).first() if customer_id.isdigit() else None
    context = {
        "form": form,
        "preview": preview,
        "matches": matches,
        "searched": action == "find",
        "chosen": chosen,
    }
    template = "loyalty/programme/try.html#panel" if request.htmx else "loyalty/programme/try.html"
    return render(request, template, context)


@right_required(Right.MANAGE_SETTINGS)
def try_line_view(request):
    """One more empty basket line (htmx)."""
    return render(request, "loyalty/programme/try.html#line", {"row": TryForm.empty_row()})
