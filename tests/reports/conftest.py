"""Helpers for report tests: build a report synchronously and read its workbook back."""

import io

import openpyxl
import pytest

from reports.models import ReportRun
from reports.registry import report_get
from reports.services import report_run_build, report_run_create


class Built:
    def __init__(self, run: ReportRun):
        self.run = run
        with run.file.open("rb") as handle:
            self.workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
        self.sheet = self.workbook.active
        self.values = [list(row) for row in self.sheet.iter_rows(values_only=True)]
        header_index = len(run.parameters_text) + 3
        self.header = self.values[header_index]
        self.rows = self.values[header_index + 1 :]


def report_build(*, code: str, data: dict, tenant, user) -> Built:
    """Fill the report's form with `data` (it must be valid), build the run here, read the file."""
    report = report_get(code)
    form = report.form_class(data, tenant=tenant)
    assert form.is_valid(), form.errors
    run = report_run_create(
        code=code, parameters=form.parameters(), parameters_text=form.parameters_text(), acting_user=user
    )
    run = report_run_build(run_id=run.pk)
    assert run.status == ReportRun.Status.DONE, run.error
    return Built(run)


@pytest.fixture
def build_report():
    return report_build
