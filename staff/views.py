from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from staff.forms import LanguageForm, LoginForm, StaffCreateForm, StaffForm
from staff.models import User
from staff.roles import Right
from staff.selectors import staff_events, staff_list, staff_locked_usernames
from staff.services import (
    staff_create,
    staff_deactivate,
    staff_language_set,
    staff_reactivate,
    staff_unlock,
    staff_update,
)
from tariffs.selectors import PlanLimitReached, tenant_usage


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def _form_errors_from(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def locked_out_response(request, original_response=None, credentials=None):
    """What django-axes shows when a login is locked after repeated failures."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


@right_required(Right.MANAGE_STAFF)
def staff_list_view(request):
    staff = list(staff_list())
    locked = staff_locked_usernames(usernames=[user.username for user in staff])
    staff_usage = next(usage for usage in tenant_usage(tenant=request.tenant) if usage.resource == "staff_users")
    return render(
        request,
        "staff/staff_list.html",
        {"staff": staff, "locked": locked, "staff_usage": staff_usage},
    )


@right_required(Right.MANAGE_STAFF)
def staff_create_view(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_create(
                tenant=request.tenant,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                can_adjust_points=data["can_adjust_points"],
                language=data["language"],
                password=data["password"] or None,
                acting_user=request.user,
                invitation_host=request.get_host(),
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            if data["password"]:
                messages.success(
                    request, _("%(name)s can log in now.") % {"name": user.get_full_name() or user.username}
                )
            else:
                messages.success(request, _("An invitation was sent to %(email)s.") % {"email": user.email})
            return redirect("staff_list")
    return render(request, "staff/staff_form.html", {"form": form, "title": _("New staff member")})


@right_required(Right.MANAGE_STAFF)
def staff_edit_view(request, user_id: int):
    user = get_object_or_404(staff_list(), pk=user_id)
    initial = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "can_adjust_points": any(p.codename == Right.ADJUST_POINTS for p in user.user_permissions.all()),
        "language": user.language,
    }
    form = StaffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            staff_update(user=user, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("Changes to %(name)s saved.") % {"name": user.username})
            return redirect("staff_list")
    return render(
        request,
        "staff/staff_form.html",
        {
            "form": form,
            "member": user,
            "events": staff_events(user=user),
            "is_locked": bool(staff_locked_usernames(usernames=[user.username])),
            "title": user.get_full_name() or user.username,
        },
    )


def _staff_action(request, user_id: int, action, success_message: str):
    user = get_object_or_404(User, pk=user_id, is_superuser=False)
    try:
        action(user)
    except (ValidationError, PlanLimitReached) as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message % {"name": user.username})
    return redirect("staff_edit", user_id=user.pk)


@require_POST
@right_required(Right.MANAGE_STAFF)
def staff_deactivate_view(request, user_id: int):
    return _staff_action(
        request,
        user_id,
        lambda user: staff_deactivate(user=user, acting_user=request.user),
        _("%(name)s can no longer log in."),
    )


@require_POST
@right_required(Right.MANAGE_STAFF)
def staff_reactivate_view(request, user_id: int):
    return _staff_action(
        request,
        user_id,
        lambda user: staff_reactivate(tenant=request.tenant, user=user, acting_user=request.user),
        _("%(name)s can log in again."),
    )


@require_POST
@right_required(Right.MANAGE_STAFF)
def staff_unlock_view(request, user_id: int):
    return _staff_action(
        request,
        user_id,
        lambda user: staff_unlock(user=user, acting_user=request.user),
        _("The login of %(name)s is unlocked."),
    )


@require_POST
def language_set_view(request):
    """Switch the interface language: remembered on the account, and in a cookie before login."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            staff_language_set(user=request.user, language=language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
