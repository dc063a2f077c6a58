from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from customers.merging_registry import merge_step_register
        from customers.selectors.lookup import customer_lookups
        from loyalty.cards_registration import cards_register
        from loyalty.import_columns import import_columns_register
        from loyalty.points_registration import points_register
        from loyalty.selectors.card_lookup import CARD_LOOKUP
        from loyalty.services.merging import loyalty_merge_step
        from loyalty.services.sale_points import return_points_step, sale_points_step
        from sales.registry import return_steps, sale_steps

        sale_steps.register(sale_points_step)
        return_steps.register(return_points_step)
        customer_lookups.register(CARD_LOOKUP)
        merge_step_register(loyalty_merge_step)
        cards_register()
        points_register()
        import_columns_register()
