"""What the customer card's Sales, Returns, Marketing instruments and Points tabs show.

The apps that own those records (sales, loyalty) register, in their AppConfig.ready(), a provider
for their tab (a callable taking the customer and returning the tab template's context) and the
template that shows it. A tab nobody registered shows its empty state from the customers app:
the customer has none of those records yet.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CardTab:
    provider: Callable
    template: str | None


_tabs: dict[str, CardTab] = {}


def card_tab_register(*, tab: str, provider: Callable, template: str | None = None) -> None:
    """`template` shows the provider's context; without one, the customers app's own template for
    the tab is used."""
    _tabs[tab] = CardTab(provider, template)


def card_tab_template(tab: str) -> str:
    registered = _tabs.get(tab)
    if registered is not None and registered.template:
        return registered.template
    return f"customers/card/_tab_{tab}.html"


def card_tab_context(*, tab: str, customer, page: str | None = None) -> dict:
    """The registered provider's context for the tab; `page` is the page of its list asked for."""
    registered = _tabs.get(tab)
    return registered.provider(customer, page=page) if registered else {}
