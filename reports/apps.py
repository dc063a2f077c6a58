from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Each module registers its reports with reports.registry.report_register.
        from customers.list_scopes import ListScope, list_scopes
        from reports import definitions  # noqa: F401
        from reports.selectors import customer_report_runs, report_run_customers

        # A run of a report whose rows are customers opens as the customer list.
        list_scopes.register(
            ListScope(
                param="report_run",
                label=_("Customers of a report"),
                choices=customer_report_runs,
                condition=report_run_customers,
            )
        )
