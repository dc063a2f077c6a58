"""Settings → Price lists: the lists, their items and the customer groups they apply to."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from sales.forms import PriceListForm, PriceListItemForm
from sales.models import PriceList, PriceListItem
from sales.selectors.history import price_list_history
from sales.selectors.products import (
    customer_group_price_lists,
    price_list_items,
    price_list_list,
    price_list_validity,
)
from sales.services.price_lists import (
    price_list_create,
    price_list_delete,
    price_list_item_add,
    price_list_item_remove,
    price_list_item_update,
    price_list_update,
)
from sales.views.common import form_errors_apply
from staff.roles import Right


@right_required(Right.MANAGE_SETTINGS)
def price_list_list_view(request):
    today = timezone.localdate()
    price_lists = list(price_list_list())
    for price_list in price_lists:
        price_list.validity = price_list_validity(price_list, today)
    return render(
        request,
        "sales/price_lists/price_list_list.html",
        {"price_lists": price_lists, "group_rows": customer_group_price_lists()},
    )


def _price_list_initial(price_list: PriceList) -> dict:
    return {
        "name": price_list.name,
        "valid_from": price_list.valid_from,
        "valid_to": price_list.valid_to,
        "customer_groups": [assignment.customer_group_id for assignment in price_list.assignments.all()],
    }


@right_required(Right.MANAGE_SETTINGS)
def price_list_form_view(request, price_list_id: int | None = None):
    price_list = get_object_or_404(PriceList, pk=price_list_id) if price_list_id else None
    form = PriceListForm(
        request.POST or None,
        initial=_price_list_initial(price_list) if price_list else None,
        price_list=price_list,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if price_list is None:
                price_list = price_list_create(**form.cleaned_data, acting_user=request.user)
            else:
                price_list = price_list_update(price_list=price_list, **form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
            if price_list is not None and price_list.pk:
                # The failed update changed the object in memory only; show the stored one.
                price_list.refresh_from_db()
        else:
            messages.success(request, _("Price list “%(name)s” saved.") % {"name": price_list.name})
            return redirect("sales:price_list_edit", price_list_id=price_list.pk)
    if price_list is None:
        return render(request, "sales/price_lists/price_list_form.html", {"form": form, "title": _("New price list")})
    return _price_list_page(request, price_list, form=form)


def _price_list_page(request, price_list: PriceList, *, form=None, item_form=None):
    context = {
        "price_list": price_list,
        "title": price_list.name,
        "validity": price_list_validity(price_list, timezone.localdate()),
        "form": form or PriceListForm(initial=_price_list_initial(price_list), price_list=price_list),
        "items": price_list_items(price_list=price_list),
        "item_form": item_form or PriceListItemForm(),
        "history": price_list_history(price_list=price_list),
    }
    return render(request, "sales/price_lists/price_list_form.html", context)


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def price_list_delete_view(request, price_list_id: int):
    price_list = get_object_or_404(PriceList, pk=price_list_id)
    price_list_delete(price_list=price_list, acting_user=request.user)
    messages.success(request, _("Price list “%(name)s” deleted.") % {"name": price_list.name})
    return redirect("sales:price_list_list")


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def price_list_item_add_view(request, price_list_id: int):
    price_list = get_object_or_404(PriceList, pk=price_list_id)
    form = PriceListItemForm(request.POST)
    if form.is_valid():
        try:
            price_list_item_add(price_list=price_list, **form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Price added to “%(name)s”.") % {"name": price_list.name})
            return redirect("sales:price_list_edit", price_list_id=price_list.pk)
    return _price_list_page(request, price_list, item_form=form)


@right_required(Right.MANAGE_SETTINGS)
def price_list_item_edit_view(request, price_list_id: int, item_id: int):
    item = get_object_or_404(
        PriceListItem.objects.select_related("price_list", "product", "product_group"),
        pk=item_id,
        price_list_id=price_list_id,
    )
    initial = {
        "product": item.product_id,
        "product_group": item.product_group_id,
        "fixed_price": item.fixed_price if item.fixed_price is not None else "",
        "percent_off": f"{item.percent_off.normalize():f}" if item.percent_off is not None else "",
    }
    form = PriceListItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            price_list_item_update(item=item, **form.cleaned_data, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Price in “%(name)s” saved.") % {"name": item.price_list.name})
            return redirect("sales:price_list_edit", price_list_id=price_list_id)
    return render(
        request,
        "sales/price_lists/item_form.html",
        {"form": form, "item": item, "price_list": item.price_list, "title": str(item.product or item.product_group)},
    )


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def price_list_item_remove_view(request, price_list_id: int, item_id: int):
    item = get_object_or_404(PriceListItem, pk=item_id, price_list_id=price_list_id)
    price_list_item_remove(item=item, acting_user=request.user)
    messages.success(request, _("Price removed."))
    return redirect("sales:price_list_edit", price_list_id=price_list_id)
