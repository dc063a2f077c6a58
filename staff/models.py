from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from staff.roles import Right, Role


class User(AbstractUser):
    """A member of a retailer's staff (or, in the public schema, of the platform operator's)."""

    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the retailer's default language."),
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
        permissions = [(right.value, right.label) for right in Right]
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="staff_user_email_unique"),
        ]

    @cached_property
    def role(self) -> str | None:
        """The user's role: the name of its role group (groups are prefetched on lists)."""
        for group in self.groups.all():
            if group.name in Role.values:
                return group.name
        return None

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""


class StaffEvent(models.Model):
    """One row per change to a staff account: who changed what, from what, to what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Account created")
        ROLE_CHANGED = "role_changed", _("Role changed")
        RIGHT_GRANTED = "right_granted", _("Right granted")
        RIGHT_REVOKED = "right_revoked", _("Right revoked")
        DEACTIVATED = "deactivated", _("Deactivated")
        REACTIVATED = "reactivated", _("Reactivated")
        UNLOCKED = "unlocked", _("Login unlocked")
        DETAILS_CHANGED = "details_changed", _("Details changed")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    old_value = models.CharField(_("old value"), max_length=300, blank=True)
    new_value = models.CharField(_("new value"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff event")
        verbose_name_plural = _("staff events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user}"
