"""The customer card's Points tab, registered with the customers app from LoyaltyConfig.ready()."""


def points_register() -> None:
    """Register the Points tab's provider and template on the customer card."""
    from customers.card_tabs import card_tab_register
    from loyalty.selectors.points import points_tab_context

    card_tab_register(tab="points", provider=points_tab_context, template="loyalty/points/_tab_points.html")
