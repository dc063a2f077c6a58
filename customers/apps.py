from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from customers.card_tabs import CardTab, card_tabs
        from customers.selectors.card import history_tab_context, notes_tab_context, overview_tab_context
        from customers.selectors.customers import customer_active_count
        from tariffs.registry import usage_counter_register

        usage_counter_register(resource="active_customers", counter=customer_active_count)
        card_tabs.register(
            CardTab(
                code="overview",
                label=_("Overview"),
                order=10,
                right=None,
                template="customers/card/_tab_overview.html",
                provider=overview_tab_context,
            )
        )
        card_tabs.register(
            CardTab(
                code="notes",
                label=_("Notes"),
                order=60,
                right=None,
                template="customers/card/_tab_notes.html",
                provider=notes_tab_context,
            )
        )
        card_tabs.register(
            CardTab(
                code="history",
                label=_("History"),
                order=70,
                right=None,
                template="customers/card/_tab_history.html",
                provider=history_tab_context,
            )
        )
