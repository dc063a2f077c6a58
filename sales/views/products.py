"""Settings → Products: the product list, product forms and the tree of product groups."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from sales.forms import ProductForm, ProductGroupForm, ProductSearchForm
from sales.models import Product, ProductGroup
from sales.selectors.history import product_history
from sales.selectors.products import product_group_descendant_ids, product_group_tree, product_list
from sales.services.products import (
    product_create,
    product_group_create,
    product_group_delete,
    product_group_update,
    product_update,
)
from sales.views.common import form_errors_apply
from staff.roles import Right

PAGE_SIZE = 50


@right_required(Right.MANAGE_SETTINGS)
def product_list_view(request):
    search = ProductSearchForm(request.GET or None)
    query, group_id = "", None
    if search.is_valid():
        query, group_id = search.cleaned_data["q"], search.cleaned_data["group"]
    page = Paginator(product_list(query=query, group_id=group_id), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "sales/products/product_list.html#results" if request.htmx else "sales/products/product_list.html"
    return render(request, template, {"search": search, "page": page, "query": query})


@right_required(Right.MANAGE_SETTINGS)
def product_form_view(request, product_id: int | None = None):
    product = get_object_or_404(Product, pk=product_id) if product_id else None
    initial = ProductForm.initial_for(product) if product else {"group": request.GET.get("group")}
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            if product is None:
                product = product_create(**fields, acting_user=request.user)
            else:
                product = product_update(product=product, **fields, acting_user=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Product “%(name)s” saved.") % {"name": product.name})
            return redirect("sales:product_list")
    title = product.name if product else _("New product")
    context = {"form": form, "product": product, "title": title}
    if product is not None:
        context["history"] = product_history(product=product)
    return render(request, "sales/products/product_form.html", context)


@right_required(Right.MANAGE_SETTINGS)
def product_group_list_view(request):
    return render(request, "sales/products/group_list.html", {"nodes": product_group_tree()})


@right_required(Right.MANAGE_SETTINGS)
def product_group_form_view(request, group_id: int | None = None):
    group = get_object_or_404(ProductGroup, pk=group_id) if group_id else None
    initial = {"name": group.name, "parent": group.parent_id} if group else {"parent": request.GET.get("parent")}
    form = ProductGroupForm(
        request.POST or None,
        initial=initial,
        exclude_ids=product_group_descendant_ids(group.pk) if group else set(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                group = product_group_create(name=form.cleaned_data["name"], parent=form.cleaned_data["parent"])
            else:
                group = product_group_update(
                    group=group, name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]
                )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Product group “%(name)s” saved.") % {"name": group.name})
            return redirect("sales:product_group_list")
    title = group.name if group else _("New product group")
    return render(request, "sales/products/group_form.html", {"form": form, "group": group, "title": title})


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def product_group_delete_view(request, group_id: int):
    group = get_object_or_404(ProductGroup, pk=group_id)
    try:
        product_group_delete(group=group)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Product group “%(name)s” deleted.") % {"name": group.name})
    return redirect("sales:product_group_list")
