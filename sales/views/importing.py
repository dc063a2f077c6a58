"""Settings → Import products and Import sales history: upload a file, see the dry run, import.

The product import runs in the request: the uploaded file waits in the retailer's file storage
between the dry run and "Import now", under a random name; the person's session holds which
uploads are theirs (so a link to another person's upload answers 404); an upload left behind is
deleted a day later, at the next upload. The sales history import is a HistoryImport, checked
and imported by the worker (sales.services.history_import); its page follows it.
"""

import csv
import datetime
import os
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from crm.permissions import right_required
from customers.selectors.importing import import_file_kind
from sales.models import HistoryImport
from sales.selectors.history_imports import history_import_list, history_import_refused, history_import_view_data
from sales.services.history_import import history_import_create, history_import_start
from sales.services.importing import ImportRefused
from sales.services.product_import import MAX_ROWS, ProductRowOutcome, product_import_check, product_import_execute
from staff.roles import Right

SESSION_KEY = "sales_imports"
UPLOAD_FOLDER = "sales-imports"
UPLOAD_KEEP = datetime.timedelta(days=1)
# The results page lists every refused row and the first of the others.
SHOWN_ROWS = 500
# The upload page lists the latest history imports.
HISTORY_LISTED = 10
PRODUCTS, HISTORY = "products", "history"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        # An empty file reaches the import service, which says which file is empty.
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args, max_rows: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        if max_rows is None:
            self.fields["file"].help_text = _(
                "A .csv file (UTF-8, separated by commas or semicolons) or an Excel workbook (.xlsx, its first sheet) "
                "with the column names in the first row; as many rows as the history has."
            )
            return
        self.fields["file"].help_text = _(
            "A .csv file (UTF-8, separated by commas or semicolons) or an Excel workbook (.xlsx, its first sheet) "
            "with the column names in the first row; at most %(limit)s rows."
        ) % {"limit": number_format(max_rows, force_grouping=True)}


# --- uploads waiting for "Import now" --------------------------------------------------------


def _uploads_purge() -> None:
    """Delete uploads older than UPLOAD_KEEP (their dry run was never imported)."""
    try:
        _folders, files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return
    limit = timezone.now() - UPLOAD_KEEP
    for name in files:
        path = f"{UPLOAD_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
        except FileNotFoundError:
            continue


def _upload_keep(request, *, kind: str, upload) -> str:
    """Store the upload and note it in the session; returns its token."""
    _uploads_purge()
    token = uuid.uuid4().hex
    name = os.path.basename(upload.name or "")
    upload.seek(0)
    path = default_storage.save(f"{UPLOAD_FOLDER}/{token}.{import_file_kind(name)}", upload)
    # Forget the uploads whose files are gone (imported elsewhere, or purged above).
    uploads = {
        key: upload
        for key, upload in request.session.get(SESSION_KEY, {}).items()
        if default_storage.exists(upload["path"])
    }
    uploads[token] = {"kind": kind, "name": name, "path": path}
    request.session[SESSION_KEY] = uploads
    return token


def _upload(request, *, kind: str, token: str) -> dict:
    upload = request.session.get(SESSION_KEY, {}).get(token)
    if upload is None or upload["kind"] != kind:
        raise Http404
    return upload


def _upload_forget(request, token: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    upload = uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    if upload is not None:
        default_storage.delete(upload["path"])


class _UploadGone(Exception):
    pass


def _run(upload: dict, service, **kwargs):
    try:
        with default_storage.open(upload["path"], "rb") as binary:
            return service(binary=binary, name=upload["name"], **kwargs)
    except FileNotFoundError as error:
        raise _UploadGone from error


def _upload_view(request, *, kind: str, service, max_rows: int, template: str, check_url: str):
    form = ImportUploadForm(request.POST or None, request.FILES or None, max_rows=max_rows)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # The whole check now, so that a file that cannot be imported at all is refused here.
            service(binary=upload.file, name=upload.name or "")
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect(check_url, token=_upload_keep(request, kind=kind, upload=upload))
    return render(request, template, {"form": form}, status=400 if form.is_bound else 200)


def _gone(request, upload_url: str):
    messages.error(request, _("The uploaded file is no longer here; upload it again."))
    return redirect(upload_url)


def _check_context(result, token: str, *, items, refuse) -> dict:
    """The dry-run page's context: counts, the refused items in full, the first others."""
    others = [item for item in items if item.outcome != refuse]
    return {
        "result": result,
        "token": token,
        "counts": result.counts,
        "refused": result.refused,
        "others": others[:SHOWN_ROWS],
        "others_count": len(others),
    }


# --- products --------------------------------------------------------------------------------


def _product_context(result, token: str) -> dict:
    return _check_context(result, token, items=result.rows, refuse=ProductRowOutcome.REFUSE)


@right_required(Right.MANAGE_SETTINGS)
def product_import_view(request):
    """The upload form; a file that can be read goes on to its dry run."""
    return _upload_view(
        request,
        kind=PRODUCTS,
        service=product_import_check,
        max_rows=MAX_ROWS,
        template="sales/import/product_upload.html",
        check_url="sales:product_import_check",
    )


@right_required(Right.MANAGE_SETTINGS)
def product_import_check_view(request, token: str):
    """The dry run of an upload: what would happen to every row, and why."""
    upload = _upload(request, kind=PRODUCTS, token=token)
    try:
        result = _run(upload, product_import_check)
    except _UploadGone:
        return _gone(request, "sales:product_import")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sales:product_import")
    return render(request, "sales/import/product_check.html", _product_context(result, token))


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def product_import_run_view(request, token: str):
    """Import the upload (all rows or none); back to its dry run with the reasons if refused."""
    upload = _upload(request, kind=PRODUCTS, token=token)
    try:
        result = _run(upload, product_import_execute)
    except _UploadGone:
        return _gone(request, "sales:product_import")
    except ImportRefused as refused:
        context = _product_context(refused.result, token)
        context["error"] = " ".join(refused.messages)
        return render(request, "sales/import/product_check.html", context, status=400)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sales:product_import_check", token=token)
    _upload_forget(request, token)
    counts = result.counts
    messages.success(
        request,
        _("“%(name)s” is imported: %(created)s, %(updated)s, %(groups)s.")
        % {
            "name": result.file_name,
            "created": ngettext("%(count)s product created", "%(count)s products created", counts["create"])
            % {"count": counts["create"]},
            "updated": ngettext("%(count)s product updated", "%(count)s products updated", counts["update"])
            % {"count": counts["update"]},
            "groups": ngettext(
                "%(count)s product group created", "%(count)s product groups created", len(result.new_groups)
            )
            % {"count": len(result.new_groups)},
        },
    )
    return redirect("sales:product_import")


# --- sales history ---------------------------------------------------------------------------


@right_required(Right.MANAGE_SETTINGS)
def sales_history_import_view(request):
    """The upload form and the latest imports; a file that can be read is stored and checked by
    the worker, and its page follows the check."""
    form = ImportUploadForm(request.POST or None, request.FILES or None, max_rows=None)
    if request.method == "POST" and form.is_valid():
        try:
            history = history_import_create(upload=form.cleaned_data["file"], acting_user=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("sales:sales_history_import_detail", import_id=history.pk)
    context = {"form": form, "imports": history_import_list()[:HISTORY_LISTED]}
    return render(request, "sales/import/history_upload.html", context, status=400 if form.is_bound else 200)


@right_required(Right.MANAGE_SETTINGS)
def sales_history_import_detail_view(request, import_id: int):
    """An import's page: its check or import in progress (the page asks again every two
    seconds), then each document's outcome, customer and reasons, or the result."""
    history = get_object_or_404(HistoryImport.objects.select_related("created_by", "started_by"), pk=import_id)
    context = {"history": history, **history_import_view_data(history)}
    if request.htmx:
        if context["is_running"]:
            return render(request, "sales/import/history_import.html#status", context)
        # Done: the whole page again, with the results.
        return HttpResponseClientRefresh()
    return render(request, "sales/import/history_import.html", context)


@require_POST
@right_required(Right.MANAGE_SETTINGS)
def sales_history_import_run_view(request, import_id: int):
    """Send the import of a checked file (every document to import, or none) to the worker."""
    history = get_object_or_404(HistoryImport, pk=import_id)
    try:
        with transaction.atomic():
            history_import_start(history=history, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("sales:sales_history_import_detail", import_id=history.pk)


@right_required(Right.MANAGE_SETTINGS)
def sales_history_import_refused_view(request, import_id: int):
    """The refused documents of a check as a CSV file: document, rows, reasons (one per line)."""
    history = get_object_or_404(HistoryImport, pk=import_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stem = os.path.splitext(history.original_name)[0] or "history"
    response["Content-Disposition"] = f'attachment; filename="{stem}-refused.csv"'
    response.write("\ufeff")  # Excel reads a UTF-8 CSV by its byte order mark
    writer = csv.writer(response)
    writer.writerow([_("Document"), _("Rows"), _("Reason")])
    for document in history_import_refused(history):
        writer.writerow([document.number, document.rows, "\n".join(document.reasons)])
    return response
