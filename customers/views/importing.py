"""The customer import wizard: upload, map the columns, check, import, see what happened."""

import os
import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.permissions import right_required
from crm.xlsx import XLSX_CONTENT_TYPE
from customers.forms.importing import ImportMappingForm, ImportUploadForm
from customers.models import ImportBatch, ImportRow
from customers.selectors.import_presets import import_preset_detect, import_preset_mapping
from customers.selectors.importing import (
    import_batch_list,
    import_default_mapping,
    import_progress,
    import_refused_xlsx_write,
    import_row_list,
    import_sample_values,
    import_targets,
)
from customers.services.importing import MAPPABLE, import_batch_create, import_batch_map, import_batch_start
from staff.roles import Right

PAGE_SIZE = 50
RUNNING = (ImportBatch.Status.CHECKING, ImportBatch.Status.IMPORTING)


def _batch(batch_id: int) -> ImportBatch:
    return get_object_or_404(import_batch_list(), pk=batch_id)


@right_required(Right.MANAGE_CUSTOMERS)
def import_list_view(request):
    """The upload form and the imports made before, the most recent first."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_batch_create(upload=form.cleaned_data["file"], acting_user=request.user)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("customers:customer_import_mapping", batch_id=batch.pk)
    page = Paginator(import_batch_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if form.is_bound else 200
    return render(request, "customers/import/import_list.html", {"form": form, "page": page}, status=status)


@right_required(Right.MANAGE_CUSTOMERS)
def import_mapping_view(request, batch_id: int):
    batch = _batch(batch_id)
    if batch.status not in MAPPABLE:
        messages.info(request, _("This import is running or done; its columns cannot change any more."))
        return redirect("customers:customer_import_batch", batch_id=batch.pk)
    targets = import_targets()
    # An export of another system (Shopify, Odoo) is recognised by its header row and mapped as
    # its preset says; a person may change every column.
    preset = import_preset_detect(batch.headers)
    if batch.mapping:
        mapping = {int(index): target for index, target in batch.mapping.items()}
    elif preset is not None:
        mapping = import_preset_mapping(preset=preset, headers=batch.headers, targets=targets)
    else:
        mapping = import_default_mapping(headers=batch.headers, targets=targets)
    form = ImportMappingForm(
        request.POST or None, batch=batch, targets=targets, mapping=mapping, samples=import_sample_values(batch=batch)
    )
    if request.method == "POST" and form.is_valid():
        try:
            import_batch_map(batch=batch, mapping=form.mapping(), duplicate_mode=form.cleaned_data["duplicate_mode"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("customers:customer_import_batch", batch_id=batch.pk)
    return render(request, "customers/import/mapping.html", {"batch": batch, "form": form, "preset": preset})


def _batch_context(request, batch: ImportBatch) -> dict:
    outcome = request.GET.get("outcome") or ""
    if outcome not in ImportRow.Outcome.values:
        outcome = ""
    rows = import_row_list(batch=batch, outcome=outcome or None).select_related("customer")
    return {
        "batch": batch,
        "is_running": batch.status in RUNNING,
        "progress": import_progress(batch=batch),
        "outcome": outcome,
        "outcomes": ImportRow.Outcome.choices,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "may_map": batch.status in MAPPABLE,
    }


@right_required(Right.MANAGE_CUSTOMERS)
def import_batch_view(request, batch_id: int):
    """A batch: its progress while it runs, then its counts and rows (filtered by outcome)."""
    batch = _batch(batch_id)
    return render(request, "customers/import/batch.html", _batch_context(request, batch))


@right_required(Right.MANAGE_CUSTOMERS)
def import_progress_view(request, batch_id: int):
    """The progress bar alone (polled by htmx every second while the batch runs). When the run
    has ended, the answer stops the polling and, for htmx, reloads the page to show the results."""
    batch = _batch(batch_id)
    is_running = batch.status in RUNNING
    context = {"batch": batch, "is_running": is_running, "progress": import_progress(batch=batch)}
    response = render(request, "customers/import/batch.html#progress", context)
    if not is_running and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@right_required(Right.MANAGE_CUSTOMERS)
def import_start_view(request, batch_id: int):
    batch = _batch(batch_id)
    try:
        import_batch_start(batch=batch, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("customers:customer_import_batch", batch_id=batch.pk)


@right_required(Right.MANAGE_CUSTOMERS)
def import_refused_view(request, batch_id: int):
    """The refused rows as an .xlsx workbook: the file's columns, the reason and the row."""
    batch = _batch(batch_id)
    output = tempfile.TemporaryFile()
    import_refused_xlsx_write(batch=batch, output=output)
    output.seek(0)
    stem = os.path.splitext(batch.original_name)[0] or "import"
    return FileResponse(output, as_attachment=True, filename=f"{stem}-refused.xlsx", content_type=XLSX_CONTENT_TYPE)
