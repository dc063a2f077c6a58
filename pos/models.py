from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotentRequest(models.Model):
    """The answer given to one write of a till, kept under the id the till chose for it.

    The row is inserted (and so locked) before the write and filled with the answer in the same
    transaction: a replay that arrives meanwhile waits for the first request to end, then gets
    the stored answer. A refused request rolls back, so no row is left and the till may correct
    the body and send it again under the same id.
    """

    # The unique constraint's index (terminal first) serves the foreign key too.
    terminal = models.ForeignKey("sales.Terminal", on_delete=models.CASCADE, related_name="+", db_index=False)
    client_id = models.CharField(max_length=64)
    # sha256 of the method, the endpoint and the body in canonical JSON (see pos.idempotency).
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["terminal", "client_id"], name="idempotent_request_once_per_terminal")
        ]

    def __str__(self) -> str:
        return f"{self.terminal_id}:{self.client_id}"
