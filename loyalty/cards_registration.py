"""What the cards part adds to the customers app: the card's Marketing instruments tab and finding
customers by a card's number. `cards_register()` is called from LoyaltyConfig.ready()."""


def cards_register() -> None:
    from customers.card_tabs import card_tab_register
    from customers.search import search_condition_register
    from loyalty.selectors.cards import card_search_condition
    from loyalty.views.cards import customer_cards_tab_context

    card_tab_register(tab="cards", provider=customer_cards_tab_context, template="loyalty/cards/_tab_cards.html")
    search_condition_register(card_search_condition)
