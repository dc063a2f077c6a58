import json
import threading
from collections import OrderedDict
from typing import NamedTuple
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from markupsafe import escape

from crm.pagination import BoundedPaginator
from crm.permissions import right_required
from crm.tenant_config import config_pinned, config_version
from customers.card_tabs import card_tabs
from customers.forms.customers import BulkActionForm, CustomerForm, NoteForm, QuickCustomerForm
from customers.list_scopes import list_scopes
from customers.models import Customer, CustomerStatus
from customers.rules import customer_missing
from customers.selectors.card import customer_card
from customers.selectors.columns import available_columns, cell_text, chosen_columns
from customers.selectors.customers import control_queue, customer_filterset, customer_list, customer_number_match
from customers.selectors.properties import property_list
from customers.services.customers import customer_create, customer_note_add, customer_update, customers_bulk_action
from reports.definitions.customer_export import CODE as CUSTOMER_EXPORT
from reports.definitions.customer_export import CustomerExportForm
from reports.services import report_run_create
from staff.roles import Right

PAGE_SIZE = 50


class ListRow(NamedTuple):
    """A customer, its chosen columns' values and the row's cells as the list shows them."""

    customer: Customer
    values: list[str]
    cells: str  # escaped HTML


def list_rows(customers, columns, *, selectable: bool) -> list[ListRow]:
    """The page's rows: the checkbox, then the chosen columns, the first a link to the card. Put
    together here rather than in the template's loops, which took a third of the page's rendering
    (50 rows of columns); markupsafe's escape is Django's without its per-call wrappers, and the
    card's address is reversed once and filled per row (reverse() costs some 30 µs a call)."""
    card = reverse("customers:customer_detail", args=[0]).replace("/0/", "/{}/")
    label = _("Select %(customer)s") if selectable else ""
    rows = []
    for customer in customers:
        values = [cell_text(column.value(customer)) for column in columns]
        first, *rest = values
        cells = [f'<td><a href="{card.format(customer.pk)}">{escape(first)}</a></td>']
        cells += [f"<td>{escape(value)}</td>" for value in rest]
        if selectable:
            cells.insert(
                0,
                f'<td><input class="form-check-input" type="checkbox" name="selected" value="{customer.pk}"'
                f' aria-label="{escape(label % {"customer": customer})}"></td>',
            )
        rows.append(ListRow(customer, values, mark_safe("".join(cells))))
    return rows


# The filter form as rendered, per retailer, configuration version, language, custom properties
# and query: its twenty fields and the column choices took 3 ms of the list's 17 (Django's forms
# and widgets), the same every time for the same query. A few hundred per process.
_FILTERS_SHOWN: OrderedDict[tuple, str] = OrderedDict()
_FILTERS_KEPT = 256
_FILTERS_LOCK = threading.Lock()


def _properties_key(properties) -> tuple:
    return tuple(
        (prop.pk, prop.code, prop.label_en, prop.label_de, prop.label_et, prop.type, json.dumps(prop.choices))
        + (prop.is_shown_in_list, prop.position)
        for prop in properties
    )


def _filters_html(request, context: dict) -> str:
    """The list's filter form (the template's `filters` part), rendered once for each key."""
    key = (
        connection.schema_name,
        config_version(),
        get_language(),
        _properties_key(context["filters"].properties),
        request.GET.urlencode(),
    )
    with _FILTERS_LOCK:
        html = _FILTERS_SHOWN.get(key)
        if html is not None:
            _FILTERS_SHOWN.move_to_end(key)
            return html
    html = render_to_string("customers/customer_list.html#filters", context, request=request)
    with _FILTERS_LOCK:
        _FILTERS_SHOWN[key] = html
        while len(_FILTERS_SHOWN) > _FILTERS_KEPT:
            _FILTERS_SHOWN.popitem(last=False)
    return html


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error.messages)


@right_required(Right.VIEW_CUSTOMERS)
def customer_list_view(request):
    # One read of the retailer's configuration version for the whole page: the group and segment
    # choices and the kept filter form share it.
    with config_pinned():
        return _customer_list(request)


def _customer_list(request):
    filters = customer_filterset(request.GET)
    properties = filters.properties
    columns = chosen_columns(request.GET.getlist("cols"), properties)
    page = BoundedPaginator(customer_list(filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    # The header's search box ("go"): a single match opens the customer's card at once, as a
    # scanned card number or a full phone number usually gives; so does a customer's exact
    # number when the term finds others too.
    if request.GET.get("go"):
        if page.paginator.count == 1:
            return redirect("customers:customer_detail", customer_id=page.object_list[0].pk)
        numbered = (
            customer_number_match(filters=filters, term=request.GET.get("q", "")) if page.paginator.count else None
        )
        if numbered is not None:
            return redirect("customers:customer_detail", customer_id=numbered)
    may_manage = request.user.has_perm(f"staff.{Right.MANAGE_CUSTOMERS}")
    context = {
        "filters": filters,
        "page": page,
        "columns": columns,
        "rows": list_rows(page.object_list, columns, selectable=may_manage),
        "available_columns": available_columns(properties),
        "chosen_keys": {column.key for column in columns},
        "bulk_form": BulkActionForm(),
        "may_manage": may_manage,
        "scope_saves": [
            (scope.save_label, f"{reverse(scope.save_url_name)}?{urlencode({'from_list': request.GET.urlencode()})}")
            for scope in list_scopes
            if scope.save_url_name and request.user.has_perm(f"staff.{scope.save_right}")
        ],
    }
    if request.htmx:
        return render(request, "customers/customer_list.html#results", context)
    context["filters_html"] = _filters_html(request, context)
    return render(request, "customers/customer_list.html", context)


@require_POST
@right_required(Right.MANAGE_CUSTOMERS)
def customer_export_view(request):
    """The list's current filter and columns (the form's `query`) to an Excel file, built in the
    background: the run's page shows its progress, then the download."""
    form = CustomerExportForm({"query": request.POST.get("query", "")}, tenant=request.tenant)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(f"{reverse('customers:customer_list')}?{request.POST.get('query', '')}")
    run = report_run_create(
        code=CUSTOMER_EXPORT,
        parameters=form.parameters(),
        parameters_text=form.parameters_text(),
        acting_user=request.user,
    )
    return redirect("reports:run", run_id=run.pk)


@require_POST
@right_required(Right.MANAGE_CUSTOMERS)
def customer_bulk_view(request):
    form = BulkActionForm(request.POST)
    back = f"{reverse('customers:customer_list')}?{request.POST.get('query', '')}"
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect(back)
    data = form.cleaned_data
    if data["scope"] == "filter":
        queryset = customer_filterset(_query_dict(request.POST.get("query", ""))).qs
    else:
        queryset = Customer.objects.filter(pk__in=data["selected"])
    try:
        changed = customers_bulk_action(
            tenant=request.tenant,
            queryset=queryset,
            action=data["action"],
            group=data["group"],
            status=data["status"] or None,
            acting_user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)s customers changed.") % {"count": changed})
    return redirect(back)


def _query_dict(query: str) -> QueryDict:
    return QueryDict(query)


@right_required(Right.EDIT_CUSTOMERS)
def customer_create_view(request, kind: str):
    if kind not in Customer.Kind.values:
        raise Http404
    properties = property_list(include_archived=False)
    company = None
    if request.GET.get("company") or request.POST.get("company"):
        company = get_object_or_404(
            Customer, pk=request.GET.get("company") or request.POST.get("company"), kind=Customer.Kind.BUSINESS
        )
    form = CustomerForm(request.POST or None, kind=kind, tenant=request.tenant, properties=properties)
    if company is not None:
        form.fields["department"] = Customer._meta.get_field("department").formfield(required=False)
        form.fields["position_title"] = Customer._meta.get_field("position_title").formfield(required=False)
    if request.method == "POST" and form.is_valid():
        fields = form.customer_fields()
        fields["company"] = company
        try:
            customer = customer_create(
                tenant=request.tenant,
                fields=fields,
                property_values=form.property_values,
                status=form.cleaned_data["status"],
                acting_user=request.user,
                consent_source=form.cleaned_data["consent_source"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer})
            return redirect("customers:customer_detail", customer_id=customer.pk)
    title = _("New business customer") if kind == Customer.Kind.BUSINESS else _("New private customer")
    if company is not None:
        title = _("New contact person of %(company)s") % {"company": company}
    return render(request, "customers/customer_form.html", {"form": form, "title": title, "company": company})


@right_required(Right.CREATE_CUSTOMERS)
def customer_quick_create_view(request):
    form = QuickCustomerForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(
                tenant=request.tenant,
                fields={**form.cleaned_data, "kind": Customer.Kind.PERSON},
                status=CustomerStatus.CONTROL,
                acting_user=request.user,
                source="till",
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request, _("Customer %(name)s created; complete the data later from Control.") % {"name": customer}
            )
            return redirect("customers:customer_detail", customer_id=customer.pk)
    return render(request, "customers/customer_quick_form.html", {"form": form})


@right_required(Right.EDIT_CUSTOMERS)
def customer_edit_view(request, customer_id: int):
    customer = get_object_or_404(Customer.objects.select_related("group", "company"), pk=customer_id)
    properties = property_list(include_archived=False)
    form = CustomerForm(
        request.POST or None, kind=customer.kind, tenant=request.tenant, properties=properties, instance=customer
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(
                tenant=request.tenant,
                customer=customer,
                fields=form.customer_fields(),
                property_values=form.property_values,
                status=form.cleaned_data["status"],
                acting_user=request.user,
                consent_source=form.cleaned_data["consent_source"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": customer})
            next_url = request.POST.get("next")
            if next_url == "control":
                return redirect("customers:customer_control")
            return redirect("customers:customer_detail", customer_id=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {
            "form": form,
            "customer": customer,
            "title": str(customer),
            "missing": customer_missing(customer, properties),
            "next": request.GET.get("next", ""),
        },
    )


@right_required(Right.VIEW_CUSTOMERS)
def customer_detail_view(request, customer_id: int, tab: str = "overview"):
    """The card with one of its registered tabs; an htmx request for the tab gets the tab's
    content and the tab list with that tab marked (swapped in out of band)."""
    card_tab = card_tabs.get(tab)
    if card_tab is None:
        raise Http404
    if not card_tab.may_open(request.user):
        raise PermissionDenied
    try:
        card = customer_card(customer_id=customer_id)
    except Customer.DoesNotExist as error:
        raise Http404 from error
    context = {
        "card": card,
        "customer": card.customer,
        "tab": tab,
        "tabs": [registered for registered in card_tabs if registered.may_open(request.user)],
        "tab_template": card_tab.template,
        **card_tab.provider(card.customer, page=request.GET.get("page")),
        "note_form": NoteForm(),
    }
    if request.htmx and request.htmx.target == "tab-content":
        return render(request, "customers/customer_detail.html#tab-panel", {**context, "swap_tabs": True})
    return render(request, "customers/customer_detail.html", context)


@require_POST
@right_required(Right.EDIT_CUSTOMERS)
def customer_note_add_view(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        customer_note_add(customer=customer, text=form.cleaned_data["text"], acting_user=request.user)
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Write the note first."))
    return redirect("customers:customer_detail_tab", customer_id=customer.pk, tab="notes")


@right_required(Right.EDIT_CUSTOMERS)
def customer_control_view(request):
    properties = property_list(include_archived=False)
    page = Paginator(control_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(customer, customer_missing(customer, properties)) for customer in page.object_list]
    return render(request, "customers/control_queue.html", {"page": page, "rows": rows})
