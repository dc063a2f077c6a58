from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        """Every part loyalty adds to the earlier apps: the points of sales and returns, what a
        merge of two customers does to cards and points, the customer card's Marketing instruments
        and Points tabs, finding customers by a card's number, and the customer import's columns."""
        from customers.card_tabs import card_tab_register
        from customers.import_registry import import_column_register
        from customers.merging_registry import merge_step_register
        from customers.search import search_condition_register
        from loyalty.selectors.cards import card_search_condition
        from loyalty.services.import_columns import CARD_NUMBER, POINTS_BALANCE
        from loyalty.services.merging import loyalty_merge_step
        from loyalty.services.sale_points import return_points_step, sale_points_step
        from loyalty.views.cards import customer_cards_tab_context
        from loyalty.views.points import points_tab_context
        from sales.registry import return_step_register, sale_step_register

        sale_step_register(sale_points_step)
        return_step_register(return_points_step)
        merge_step_register(loyalty_merge_step)
        card_tab_register(tab="cards", provider=customer_cards_tab_context, template="loyalty/cards/_tab_cards.html")
        card_tab_register(tab="points", provider=points_tab_context, template="loyalty/points/_tab_points.html")
        search_condition_register(card_search_condition)
        import_column_register(POINTS_BALANCE)
        import_column_register(CARD_NUMBER)
