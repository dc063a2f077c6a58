"""Settings → Stores and terminals (the tenant admin's).

A terminal's token is shown once, on the page the creation or rotation redirects to: the POST
puts it in the session and the next page of that store takes it out again, so reloading the page
(or going back) neither shows it again nor makes another terminal. That page is not cached.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from sales.forms import StoreForm, TerminalForm
from sales.models import Store, Terminal
from sales.selectors.history import store_history
from sales.services.stores import (
    store_active_count,
    store_create,
    store_update,
    terminal_active_count,
    terminal_create,
    terminal_revoke,
    terminal_rotate,
)
from sales.views.common import form_errors_apply
from staff.roles import Right


def _plan_usage(tenant) -> dict:
    plan = tenant.plan
    return {
        "stores_used": store_active_count(),
        "stores_limit": plan.max_stores,
        "terminals_used": terminal_active_count(),
        "terminals_limit": plan.max_terminals,
    }


@right_required(Right.MANAGE_SETTINGS)
def store_list_view(request):
    stores = Store.objects.annotate(
        active_terminal_count=Count("terminals", filter=Q(terminals__is_active=True))
    ).order_by("-is_active", "name")
    return render(request, "sales/stores/store_list.html", {"stores": stores, **_plan_usage(request.tenant)})


@right_required(Right.MANAGE_SETTINGS)
def store_form_view(request, store_id: int | None = None):
    store = get_object_or_404(Store, pk=store_id) if store_id else None
    initial = (
        {"name": store.name, "code": store.code, "address": store.address, "is_active": store.is_active}
        if store
        else {"is_active": True}
    )
    form = StoreForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if store is None:
                store = store_create(tenant=request.tenant, **form.cleaned_data, acting_user=request.user)
            else:
                store = store_update(tenant=request.tenant, store=store, **form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Store “%(name)s” saved.") % {"name": store.name})
            return redirect("sales:store_edit", store_id=store.pk)
    if store is None:
        return render(request, "sales/stores/store_form.html", {"form": form, "title": _("New store")})
    return _store_page(request, store, form=form)


TOKEN_SESSION_KEY = "terminal_token_once"


def _token_remember(request, terminal: Terminal, token: str) -> None:
    request.session[TOKEN_SESSION_KEY] = {"terminal": terminal.pk, "token": token}


def _token_take(request, store: Store) -> tuple[str | None, Terminal | None]:
    """The token just made for a terminal of `store`, taken out of the session (so shown once)."""
    remembered = request.session.get(TOKEN_SESSION_KEY)
    if not remembered:
        return None, None
    terminal = Terminal.objects.filter(pk=remembered["terminal"], store=store, is_active=True).first()
    if terminal is None:
        return None, None
    del request.session[TOKEN_SESSION_KEY]
    return remembered["token"], terminal


def _store_page(request, store: Store, *, form=None, terminal_form=None):
    token, token_terminal = (None, None) if request.method == "POST" else _token_take(request, store)
    context = {
        "store": store,
        "title": store.name,
        "form": form
        or StoreForm(
            initial={"name": store.name, "code": store.code, "address": store.address, "is_active": store.is_active}
        ),
        "terminal_form": terminal_form or TerminalForm(),
        "terminals": Terminal.objects.filter(store=store).order_by("-is_active", "name", "pk"),
        "history": store_history(store=store),
        "token": token,
        "token_terminal": token_terminal,
        **_plan_usage(request.tenant),
    }
    response = render(request, "sales/stores/store_form.html", context)
    add_never_cache_headers(response)
    return response


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def terminal_create_view(request, store_id: int):
    store = get_object_or_404(Store, pk=store_id)
    form = TerminalForm(request.POST)
    if form.is_valid():
        try:
            terminal, token = terminal_create(
                tenant=request.tenant, store=store, name=form.cleaned_data["name"], acting_user=request.user
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Terminal “%(name)s” added.") % {"name": terminal.name})
            _token_remember(request, terminal, token)
            return redirect("sales:store_edit", store_id=store.pk)
    return _store_page(request, store, terminal_form=form)


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def terminal_rotate_view(request, terminal_id: int):
    terminal = get_object_or_404(Terminal.objects.select_related("store"), pk=terminal_id)
    try:
        terminal, token = terminal_rotate(terminal=terminal, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sales:store_edit", store_id=terminal.store_id)
    messages.success(
        request, _("Terminal “%(name)s” has a new token; the old one no longer works.") % {"name": terminal.name}
    )
    _token_remember(request, terminal, token)
    return redirect("sales:store_edit", store_id=terminal.store_id)


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def terminal_revoke_view(request, terminal_id: int):
    terminal = get_object_or_404(Terminal, pk=terminal_id)
    try:
        terminal_revoke(terminal=terminal, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Terminal “%(name)s” revoked: its token no longer works.") % {"name": terminal.name}
        )
    return redirect("sales:store_edit", store_id=terminal.store_id)
