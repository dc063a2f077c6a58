"""The sales history import of a file of any length: its lines staged by COPY and checked and
written in chunks of whole documents, coming to exactly what one pass over the whole file does;
a refusal in a late chunk undoing the earlier ones; an upload read only to its first row; the
page following the lines done."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django_tenants.utils import tenant_context

from sales.models import HistoryImport, SalesDocument
from sales.selectors.history_imports import history_import_progress_key
from sales.services import history_import
from sales.services.importing import ImportRefused
from tests.sales.test_history_import import (
    HEADER,
    URL,
    check,
    csv_bytes,
    execute,
    good_rows,
    import_id_of,
    outcomes,
    state,
    upload,
    work,
)

pytestmark = pytest.mark.django_db


def interleaved(history_shop) -> list[list]:
    """The good rows with a document's lines far apart and two lines without a document id."""
    rows = good_rows(history_shop)
    return [
        *rows,
        ["R-3", "", "TLN", "", "", "", "TEA-1", "1", "3.50", ""],
        ["", "2025-03-02", "TLN", "", "", "", "TEA-1", "1", "1.00", ""],
        ["R-7", "2025-03-11 11:00", "TLN", "+37251234567", "", "", "CUP-1", "2", "9.50", ""],
        ["R-1", "", "tln", "", "", "", "TEA-1", "1", "3.50", ""],
        ["", "2025-03-03", "TLN", "", "", "", "CUP-1", "1", "1.00", ""],
    ]


def shown(result) -> list[tuple]:
    return [(d.number, d.rows_display, d.outcome, d.reasons, d.total, d.customer) for d in result.documents]


def written(rows) -> tuple:
    """What importing `rows` writes, rolled back afterwards."""
    with transaction.atomic():
        result = execute(rows)
        after = (state(), sorted(SalesDocument.objects.values_list("number", "store__code", "customer_id", "total")))
        transaction.set_rollback(True)
    return result, after


def test_a_file_in_chunks_of_two_lines_comes_to_what_one_pass_gives(alpha, history_shop, monkeypatch):
    rows = interleaved(history_shop)
    with tenant_context(alpha.tenant):
        whole = check(rows)
        # Lines without a document id are refused: the import is of the others.
        importable = [row for row in rows if row[0] or row is rows[0]]
        whole_written = written(importable)
        monkeypatch.setattr(history_import, "CHUNK_LINES", 2)
        chunked = check(rows)
        assert shown(chunked) == shown(whole)
        # The lines of R-1 and R-3 (rows apart, the store typed in another case) stay one document.
        assert outcomes(chunked)["R-1"][0] == "import"
        assert [d.rows_display for d in chunked.documents if d.number in ("R-1", "R-3")] == ["2, 4, 12", "5, 9"]
        # Lines without a document id come last, each its own, as the file has them.
        assert [d.first_row for d in chunked.documents if not d.number] == [10, 13]
        assert (chunked.counts, chunked.line_count, chunked.total) == (whole.counts, whole.line_count, whole.total)
        chunked_written = written(importable)
        assert chunked_written[1] == whole_written[1]
        assert chunked_written[0].counts == whole_written[0].counts


def test_a_refused_document_in_a_late_chunk_leaves_nothing_of_the_earlier_ones(alpha, history_shop, monkeypatch):
    rows = [*good_rows(history_shop), ["R-9", "2025-03-01", "TLN", "", "", "", "NOPE-1", "1", "1.00", ""]]
    monkeypatch.setattr(history_import, "CHUNK_LINES", 1)
    with tenant_context(alpha.tenant):
        before = state()
        with pytest.raises(ImportRefused) as refused:
            execute(rows)
        assert refused.value.messages == [
            "1 document is refused; nothing was imported. Correct it and upload the file again."
        ]
        assert outcomes(refused.value.result)["R-9"] == (
            "refuse",
            ["Row 9: product: there is no product with the SKU or EAN “NOPE-1”."],
        )
        assert state() == before


def test_a_file_longer_than_any_customer_file_is_taken_at_the_upload(
    alpha, history_shop, uploads_cleaned, tenant_client
):
    client = tenant_client(alpha, alpha.admin)
    page = client.get(URL).content.decode()
    assert "as many rows as the history has" in page
    line = ["R-{}", "2025-03-01 10:15", "TLN", "", "", "", "TEA-1", "1", "3.50", ""]
    rows = [HEADER, *([line[0].format(number), *line[1:]] for number in range(200_001))]
    import_id = import_id_of(upload(client, csv_bytes(rows)))
    with tenant_context(alpha.tenant):
        assert HistoryImport.objects.get(pk=import_id).status == "checking"
    # No row at all is refused at once, with nothing kept.
    response = upload(client, csv_bytes([HEADER]))
    assert response.status_code == 400
    assert "“history.csv” has column names but no rows below them." in response.content.decode()


def test_the_page_follows_the_lines_done(alpha, history_shop, uploads_cleaned, tenant_client, monkeypatch):
    client = tenant_client(alpha, alpha.admin)
    import_id = import_id_of(upload(client, csv_bytes(good_rows(history_shop))))
    with tenant_context(alpha.tenant):
        cache.set(history_import_progress_key(import_id), {"done": 3, "total": 7})
    polled = client.get(f"{URL}{import_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="import-progress">3 of 7 lines' in polled
    assert 'aria-valuenow="43"' in polled
    monkeypatch.setattr(history_import, "CHUNK_LINES", 3)
    work(alpha)
    with tenant_context(alpha.tenant):
        assert cache.get(history_import_progress_key(import_id)) == {"done": 7, "total": 7}
        assert HistoryImport.objects.get(pk=import_id).status == "checked"


def test_a_nul_character_in_a_cell_is_dropped(alpha, history_shop):
    rows = good_rows(history_shop)
    rows[1][3] = "+372 5123\x00 4567"
    with tenant_context(alpha.tenant):
        result = check(rows)
        assert outcomes(result)["R-1"][0] == "import"
        assert next(d for d in result.documents if d.number == "R-1").customer == history_shop.mari
