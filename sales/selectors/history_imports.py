"""The sales history imports as their pages show them (sales.services.history_import keeps each
import's documents as JSON: the refused ones and the first of the others)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import QuerySet

from sales.models import HistoryImport
from sales.services.history_check import DocumentShown, HistoryDocumentOutcome


@dataclass(frozen=True)
class ShownDocument(DocumentShown):
    """One document of a checked file as its row on the page."""

    number: str
    first_row: int
    rows: str
    outcome: str
    occurred_at: datetime.datetime | None
    store: str
    kind: str
    customer_id: int | None
    customer: str
    matched_by: str
    lines: int
    total: Decimal
    reasons: list[str]


def _shown(record: dict) -> ShownDocument:
    occurred_at = record.get("occurred_at")
    return ShownDocument(
        **{
            **record,
            "occurred_at": datetime.datetime.fromisoformat(occurred_at) if occurred_at else None,
            "total": Decimal(record["total"]),
        }
    )


def history_import_list() -> QuerySet[HistoryImport]:
    """The retailer's history imports, the latest first."""
    return HistoryImport.objects.select_related("created_by", "started_by").order_by("-created_at", "-id")


def history_import_running() -> tuple[str, ...]:
    """The statuses in which the worker has the import (the page asks again until it is done)."""
    return (HistoryImport.Status.CHECKING, HistoryImport.Status.IMPORTING)


def history_import_refused(history: HistoryImport) -> list[ShownDocument]:
    return [_shown(record) for record in history.documents if record["outcome"] == HistoryDocumentOutcome.REFUSE]


def history_import_progress_key(import_id: int) -> str:
    # The cache's key function adds the retailer's schema to every key.
    return f"sales:history:{import_id}:progress"


def history_import_progress(history: HistoryImport) -> dict:
    """How far the running check or import is: {"done", "total", "percent"} in lines, written to
    the cache by the worker after every chunk (the import's own transaction shows nothing until
    it ends); a total of 0 while the file is still being read."""
    progress = cache.get(history_import_progress_key(history.pk)) or {}
    total = progress.get("total", 0) or 0
    done = min(progress.get("done", 0), total)
    return {"done": done, "total": total, "percent": round(done * 100 / total) if total else 0}


def history_import_view_data(history: HistoryImport) -> dict:
    """What the import's page shows besides the import itself: the refused documents, the first
    others and how many others there are."""
    refused = history_import_refused(history)
    others = [_shown(record) for record in history.documents if record["outcome"] != HistoryDocumentOutcome.REFUSE]
    return {
        "refused": refused,
        "others": others,
        "others_count": history.import_count + history.skip_count,
        "is_importable": history.status == HistoryImport.Status.CHECKED
        and not history.refuse_count
        and history.import_count > 0,
        "is_running": history.status in history_import_running(),
        "progress": history_import_progress(history) if history.status in history_import_running() else None,
    }
