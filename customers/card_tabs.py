"""What the customer card's Sales, Returns, Marketing instruments and Points tabs show.

The apps that own those records (sales, loyalty) register a provider for their tab in their
AppConfig.ready(): a callable taking the customer and returning the tab template's context.
A tab with no provider shows its empty state: the customer has none of those records.
"""

from collections.abc import Callable

_providers: dict[str, Callable] = {}


def card_tab_register(*, tab: str, provider: Callable) -> None:
    _providers[tab] = provider


def card_tab_context(*, tab: str, customer) -> dict:
    provider = _providers.get(tab)
    return provider(customer) if provider else {}
