from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from staff.models import StaffEvent, User
from staff.roles import GRANTABLE_RIGHTS, Right, Role
from staff.selectors import staff_admin_count
from tariffs.selectors import plan_limit_check


def _event(*, user: User, acting_user: User | None, kind: str, old: str = "", new: str = "") -> None:
    StaffEvent.objects.create(user=user, actor=acting_user, kind=kind, old_value=old, new_value=new)


def _grantable_permissions() -> dict[str, Permission]:
    return {
        permission.codename: permission
        for permission in Permission.objects.filter(content_type__app_label="staff", codename__in=GRANTABLE_RIGHTS)
    }


def _role_set(*, user: User, role: str) -> None:
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role))


def _adjust_points_set(*, user: User, allowed: bool, acting_user: User | None) -> None:
    permission = _grantable_permissions()[Right.ADJUST_POINTS]
    has_grant = user.user_permissions.filter(pk=permission.pk).exists()
    if allowed and not has_grant:
        user.user_permissions.add(permission)
        _event(
            user=user, acting_user=acting_user, kind=StaffEvent.Kind.RIGHT_GRANTED, new=str(Right.ADJUST_POINTS.label)
        )
    elif not allowed and has_grant:
        user.user_permissions.remove(permission)
        _event(
            user=user, acting_user=acting_user, kind=StaffEvent.Kind.RIGHT_REVOKED, old=str(Right.ADJUST_POINTS.label)
        )


@transaction.atomic
def staff_create(
    *,
    tenant,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    can_adjust_points: bool = False,
    language: str = "",
    password: str | None = None,
    acting_user: User | None = None,
    invitation_host: str | None = None,
) -> User:
    """Create a staff account with a role, counted against the plan's staff limit.

    With no password, the account gets an unusable one and an invitation e-mail with a link to
    choose it is sent to `email` on `invitation_host` once the transaction commits.
    """
    plan_limit_check(tenant=tenant, resource="staff_users")
    username = username.strip()
    email = email.strip().lower()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A staff user with this user name already exists.")})
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A staff user with this e-mail address already exists.")})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, language=language)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    _role_set(user=user, role=role)
    _event(user=user, acting_user=acting_user, kind=StaffEvent.Kind.CREATED, new=str(Role(role).label))
    if can_adjust_points and role != Role.ADMIN:
        _adjust_points_set(user=user, allowed=True, acting_user=acting_user)
    if not password and email and invitation_host:
        transaction.on_commit(lambda: staff_invitation_send(user=user, host=invitation_host, tenant=tenant))
    return user


def staff_invitation_send(*, user: User, host: str, tenant) -> None:
    """E-mail the user a link to choose a password (the password-reset link, valid as long)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    with translation.override(user.language or tenant.language):
        context = {"user": user, "tenant": tenant, "link": f"http://{host}{path}", "host": host}
        send_mail(
            subject=_("You have been invited to %(retailer)s on Regulars") % {"retailer": tenant.name},
            message=render_to_string("staff/invitation_email.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )


@transaction.atomic
def staff_update(
    *,
    user: User,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    can_adjust_points: bool,
    language: str,
    acting_user: User | None,
) -> User:
    """Change a staff account's details, role and granted rights; the last admin stays an admin."""
    user = User.objects.select_for_update(no_key=True, of=("self",)).get(pk=user.pk)
    email = email.strip().lower()
    if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("A staff user with this e-mail address already exists.")})
    old_role = user.role
    if (
        old_role == Role.ADMIN
        and role != Role.ADMIN
        and user.is_active
        and staff_admin_count(exclude_user_id=user.pk) == 0
    ):
        raise ValidationError({"role": _("This is the only active admin; make someone else an admin first.")})
    details_before = (user.email, user.first_name, user.last_name, user.language)
    user.email, user.first_name, user.last_name, user.language = email, first_name, last_name, language
    if details_before != (user.email, user.first_name, user.last_name, user.language):
        user.save(update_fields=["email", "first_name", "last_name", "language"])
        _event(
            user=user,
            acting_user=acting_user,
            kind=StaffEvent.Kind.DETAILS_CHANGED,
            old=" / ".join(value or "—" for value in details_before),
            new=" / ".join(value or "—" for value in (email, first_name, last_name, language)),
        )
    if old_role != role:
        _role_set(user=user, role=role)
        _event(
            user=user,
            acting_user=acting_user,
            kind=StaffEvent.Kind.ROLE_CHANGED,
            old=str(Role(old_role).label) if old_role else "",
            new=str(Role(role).label),
        )
    _adjust_points_set(user=user, allowed=can_adjust_points and role != Role.ADMIN, acting_user=acting_user)
    return user


@transaction.atomic
def staff_deactivate(*, user: User, acting_user: User | None) -> User:
    """Stop an account from logging in; it no longer counts against the plan."""
    user = User.objects.select_for_update(no_key=True, of=("self",)).get(pk=user.pk)
    if acting_user is not None and user.pk == acting_user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not user.is_active:
        return user
    if user.role == Role.ADMIN and staff_admin_count(exclude_user_id=user.pk) == 0:
        raise ValidationError(_("This is the only active admin; make someone else an admin first."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    _event(user=user, acting_user=acting_user, kind=StaffEvent.Kind.DEACTIVATED)
    return user


@transaction.atomic
def staff_reactivate(*, tenant, user: User, acting_user: User | None) -> User:
    """Let a deactivated account log in again, if the plan's staff limit allows it."""
    user = User.objects.select_for_update(no_key=True, of=("self",)).get(pk=user.pk)
    if user.is_active:
        return user
    plan_limit_check(tenant=tenant, resource="staff_users")
    user.is_active = True
    user.save(update_fields=["is_active"])
    _event(user=user, acting_user=acting_user, kind=StaffEvent.Kind.REACTIVATED)
    return user


@transaction.atomic
def staff_unlock(*, user: User, acting_user: User | None) -> int:
    """Forget the failed logins that locked the account out; returns how many were forgotten."""
    forgotten = axes_reset(username=user.username)
    _event(user=user, acting_user=acting_user, kind=StaffEvent.Kind.UNLOCKED)
    return forgotten


def staff_language_set(*, user: User, language: str) -> None:
    """Remember the language the user chose for the interface."""
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
