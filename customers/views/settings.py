"""Settings → Customer properties and Customer groups (the tenant admin's)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from customers.forms.settings import GroupDeleteForm, GroupForm, PropertyForm
from customers.models import CustomerGroup, CustomProperty
from customers.selectors.groups import group_descendant_ids, group_tree
from customers.selectors.properties import property_history, property_queryset
from customers.services import (
    group_create,
    group_delete,
    group_update,
    property_archive,
    property_create,
    property_update,
)
from customers.views.customers import _apply_errors
from staff.roles import Right


@right_required(Right.MANAGE_SETTINGS)
def property_list_view(request):
    return render(request, "customers/settings/property_list.html", {"properties": property_queryset()})


@right_required(Right.MANAGE_SETTINGS)
def property_form_view(request, property_id: int | None = None):
    prop = get_object_or_404(CustomProperty, pk=property_id) if property_id else None
    form = PropertyForm(request.POST or None, instance=prop)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = {
            "label_en": data["label_en"],
            "label_de": data["label_de"],
            "label_et": data["label_et"],
            "type": data["type"],
            "choices": form.choices(),
            "is_required": data["is_required"],
            "is_shown_in_list": data["is_shown_in_list"],
            "position": data["position"],
        }
        try:
            if prop is None:
                prop = property_create(code=data["code"], **common, acting_user=request.user)
            else:
                prop = property_update(prop=prop, **common, acting_user=request.user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Property “%(label)s” saved.") % {"label": prop.label})
            return redirect("customers:customer_property_list")
    title = prop.label if prop else _("New customer property")
    context = {"form": form, "prop": prop, "title": title, "history": property_history(prop=prop) if prop else []}
    return render(request, "customers/settings/property_form.html", context)


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def property_archive_view(request, property_id: int):
    prop = get_object_or_404(CustomProperty, pk=property_id)
    is_archived = request.POST.get("archive") == "1"
    property_archive(prop=prop, is_archived=is_archived, acting_user=request.user)
    if is_archived:
        messages.success(request, _("Property “%(label)s” archived; its values are kept.") % {"label": prop.label})
    else:
        messages.success(request, _("Property “%(label)s” is in use again.") % {"label": prop.label})
    return redirect("customers:customer_property_list")


@right_required(Right.MANAGE_SETTINGS)
def group_list_view(request):
    return render(request, "customers/settings/group_list.html", {"nodes": group_tree()})


@right_required(Right.MANAGE_SETTINGS)
def group_form_view(request, group_id: int | None = None):
    group = get_object_or_404(CustomerGroup, pk=group_id) if group_id else None
    initial = {"name": group.name, "parent": group.parent_id} if group else {"parent": request.GET.get("parent")}
    form = GroupForm(
        request.POST or None, initial=initial, exclude_ids=group_descendant_ids(group.pk) if group else set()
    )
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                group = group_create(name=form.cleaned_data["name"], parent=form.cleaned_data["parent"])
            else:
                group = group_update(group=group, name=form.cleaned_data["name"], parent=form.cleaned_data["parent"])
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Group “%(name)s” saved.") % {"name": group.name})
            return redirect("customers:customer_group_list")
    title = group.name if group else _("New customer group")
    return render(request, "customers/settings/group_form.html", {"form": form, "group": group, "title": title})


@right_required(Right.MANAGE_SETTINGS)
def group_delete_view(request, group_id: int):
    group = get_object_or_404(CustomerGroup, pk=group_id)
    node = next(node for node in group_tree() if node.group.pk == group.pk)
    form = GroupDeleteForm(request.POST or None, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            moved = group_delete(
                group=group, move_customers_to=form.cleaned_data["move_customers_to"], acting_user=request.user
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Group “%(name)s” deleted; %(count)s customers moved.") % {"name": group.name, "count": moved},
            )
            return redirect("customers:customer_group_list")
    return render(request, "customers/settings/group_delete.html", {"form": form, "group": group, "node": node})
