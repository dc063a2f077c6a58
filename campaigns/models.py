"""Segments: saved, named conditions on customers, evaluated live (campaigns.selectors.segments),
with who changed them and their size day by day."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # campaigns.rules.Definition.as_data(): {"groups": [{"conditions": [{field, operator, value, extra}]}]}
    definition = models.JSONField(_("conditions"), default=dict)
    is_archived = models.BooleanField(_("archived"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="segment_name_unique")]

    def __str__(self) -> str:
        return self.name


class SegmentEvent(models.Model):
    """Who created, changed, archived or restored a segment, and what changed ({setting: [old,
    new]}, the conditions as their stored data); written in the same transaction."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        ARCHIVED = "archived", _("Archived")
        RESTORED = "restored", _("In use")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    changes = models.JSONField(default=dict, blank=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.segment_id}"


class SegmentCount(models.Model):
    """How many customers the segment held on a day (counted by the nightly job, or when saved)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="counts")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("customers"))

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["segment", "day"], name="segment_count_day_unique")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.day}: {self.count}"
