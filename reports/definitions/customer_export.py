"""The customer export: the customer list's filter and columns as one plain table, built in the
background like a report (its progress, its file waiting in the list of runs, a killed worker's
run taken up again) and written by the fast table writer. Started from the customer list, not
from the list of reports; it needs the right to export customers."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.selectors.columns import chosen_columns
from customers.selectors.customers import customer_filterset, customer_list
from customers.selectors.exporting import customer_export_rows
from reports.registry import Column, Report, report_register
from staff.roles import Right

CODE = "customer-export"
# The parts of the list's address that are not its filter or its columns.
NOT_FILTERS = ("page", "go")
WIDTHS = {"text": 22, "date": 12, "datetime": 17, "boolean": 10, "integer": 11, "money": 14, "number": 12}


def _filters_and_columns(query: str):
    data = QueryDict(query)
    filters = customer_filterset(data)
    return filters, chosen_columns(data.getlist("cols"), filters.properties)


class CustomerExportForm(forms.Form):
    """The list's query string (its filter and its columns), checked as the list checks it."""

    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def clean_query(self) -> str:
        data = QueryDict(self.cleaned_data.get("query") or "", mutable=True)
        for name in NOT_FILTERS:
            data.pop(name, None)
        filters, columns = _filters_and_columns(data.urlencode())
        if not filters.is_valid():
            problems = "; ".join(
                f"{filters.form.fields[name].label}: {' '.join(errors)}" for name, errors in filters.errors.items()
            )
            raise ValidationError(_("The list's filter cannot be exported: %(problems)s") % {"problems": problems})
        self.filters, self.columns = filters, columns
        return data.urlencode()

    def parameters(self) -> dict:
        return {"query": self.cleaned_data["query"]}

    def parameters_text(self) -> list[list[str]]:
        return [*self.filters.description(), [_("Columns"), ", ".join(str(column.label) for column in self.columns)]]


@report_register
class CustomerExport(Report):
    number = 900
    code = CODE
    title = gettext_lazy("Customer export")
    description = gettext_lazy("The customer list's filter and columns as an Excel file.")
    form_class = CustomerExportForm
    listed = False
    right = Right.MANAGE_CUSTOMERS
    plain_table = True

    def columns(self, parameters: dict) -> list[Column]:
        _filters, columns = _filters_and_columns(parameters.get("query", ""))
        return [Column(column.key, column.label, column.kind, WIDTHS.get(column.kind, 14)) for column in columns]

    def rows(self, parameters: dict):
        filters, columns = _filters_and_columns(parameters.get("query", ""))
        yield from customer_export_rows(queryset=customer_list(filters=filters), columns=columns)

    def row_estimate(self, parameters: dict) -> int:
        filters, _columns = _filters_and_columns(parameters.get("query", ""))
        return customer_list(filters=filters).count()
