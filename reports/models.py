"""A report run: one build of one report with its parameters, by one user, and its file."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    code = models.CharField(_("report"), max_length=40)
    parameters = models.JSONField(_("parameters"), default=dict)
    # The parameters as the user reads them (store names, not ids), for the file and the list.
    parameters_text = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(upload_to="reports/", blank=True)
    # The first rows and the chart's data, shown on the run's page.
    preview = models.JSONField(default=list)
    chart = models.JSONField(null=True, blank=True)
    error = models.TextField(_("what went wrong"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="report_run_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_run_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(finished_at__isnull=False), name="report_run_done_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
