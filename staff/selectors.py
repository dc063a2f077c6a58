from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from staff.models import StaffEvent, User
from staff.roles import Role


def _role_groups() -> Prefetch:
    return Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values))


def staff_list() -> QuerySet[User]:
    """Every staff account of the current retailer, active ones first, with role and rights."""
    return (
        User.objects.filter(is_superuser=False)
        .prefetch_related(_role_groups(), "user_permissions")
        .order_by("-is_active", "last_name", "first_name", "username")
    )


def staff_get(*, user_id: int) -> User:
    return User.objects.prefetch_related(_role_groups(), "user_permissions").get(pk=user_id)


def staff_active_count() -> int:
    """Active staff accounts: what the plan's staff limit counts."""
    return User.objects.filter(is_active=True, is_superuser=False).count()


def staff_admin_count(*, exclude_user_id: int | None = None) -> int:
    admins = User.objects.filter(is_active=True, groups__name=Role.ADMIN)
    if exclude_user_id is not None:
        admins = admins.exclude(pk=exclude_user_id)
    return admins.count()


def staff_events(*, user: User) -> QuerySet[StaffEvent]:
    return StaffEvent.objects.filter(user=user).select_related("actor")[:50]


def user_has_right(user: User, right: str) -> bool:
    """Whether the user holds a right through its role or a grant of its own."""
    return user.has_perm(f"staff.{right}")


def staff_locked_usernames(*, usernames: list[str]) -> set[str]:
    """Which of these user names are locked out by repeated failed logins right now."""
    recent = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames,
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=recent,
        ).values_list("username", flat=True)
    )


def staff_for_till(*, username: str) -> User | None:
    """The active staff user a till names as the cashier signed in, or None."""
    return User.objects.filter(username=username, is_active=True).first() if username else None
