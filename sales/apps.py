from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from customers.card_tabs import CardTab, card_tabs
        from customers.services.merging import merge_steps
        from sales.selectors.documents import returns_tab_context, sales_document_exists, sales_tab_context
        from sales.services.merging import sales_merge_step
        from sales.services.stores import store_active_count, terminal_active_count
        from tariffs.registry import usage_counter_register
        from tenants.registry import CurrencyTimeZoneLock, currency_time_zone_locks

        usage_counter_register(resource="stores", counter=store_active_count)
        usage_counter_register(resource="terminals", counter=terminal_active_count)
        merge_steps.register(sales_merge_step)
        card_tabs.register(
            CardTab(
                code="sales",
                label=_("Sales"),
                order=20,
                right=None,
                template="sales/card/_tab_sales.html",
                provider=sales_tab_context,
            )
        )
        card_tabs.register(
            CardTab(
                code="returns",
                label=_("Returns"),
                order=30,
                right=None,
                template="sales/card/_tab_returns.html",
                provider=returns_tab_context,
            )
        )
        # Amounts are kept in the retailer's currency and reports cut the sales into its days:
        # once a sales document exists, another currency or zone would change what they said.
        currency_time_zone_locks.register(
            CurrencyTimeZoneLock(
                code="sales",
                is_locked=sales_document_exists,
                reason=_(
                    "The currency and the time zone can be changed only before the first sale, "
                    "and this retailer has recorded sales already."
                ),
            )
        )
