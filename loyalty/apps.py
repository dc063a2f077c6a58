from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        """Every part loyalty adds to the earlier apps: the points of sales and returns, what a
        merge of two customers does to cards and points, the customer card's Marketing instruments
        and Points tabs, finding customers by a card's number, and the customer import's columns."""
        from customers.card_tabs import CardTab, card_tabs
        from customers.selectors.lookup import customer_lookups
        from customers.selectors.search import search_conditions
        from customers.services.import_columns import import_columns
        from customers.services.merging import merge_steps
        from loyalty.selectors.card_lookup import CARD_LOOKUP
        from loyalty.selectors.cards import card_search_condition
        from loyalty.services.coupons import coupon_discount_step
        from loyalty.services.gift import gift_return_step
        from loyalty.services.gift_sale import gift_sale_step
        from loyalty.services.import_columns import CARD_NUMBER, POINTS_BALANCE
        from loyalty.services.merging import loyalty_merge_step
        from loyalty.services.sale_points import return_points_step, sale_points_step
        from loyalty.views.cards import customer_cards_tab_context
        from loyalty.views.points import points_tab_context
        from sales.registry import line_discounts, return_steps, sale_steps

        line_discounts.register(coupon_discount_step)
        sale_steps.register(sale_points_step)
        sale_steps.register(gift_sale_step)
        return_steps.register(return_points_step)
        return_steps.register(gift_return_step)
        customer_lookups.register(CARD_LOOKUP)
        merge_steps.register(loyalty_merge_step)
        card_tabs.register(
            CardTab(
                code="cards",
                label=_("Marketing instruments"),
                order=40,
                right=None,
                template="loyalty/cards/_tab_cards.html",
                provider=customer_cards_tab_context,
            )
        )
        card_tabs.register(
            CardTab(
                code="points",
                label=_("Points"),
                order=50,
                right=None,
                template="loyalty/points/_tab_points.html",
                provider=points_tab_context,
            )
        )
        search_conditions.register(card_search_condition)
        import_columns.register(POINTS_BALANCE)
        import_columns.register(CARD_NUMBER)
