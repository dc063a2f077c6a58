"""The customer card's tabs: one registry that every app owning a tab fills in its AppConfig.ready().

A tab carries what the card needs to show it: its code (the URL's last part), its label, its
place among the others, the right a user needs to open it (None: seeing the card is enough), the
template that shows it and a provider, a callable taking the customer (and the `page` of its list
asked for) and returning the template's context. The customers app registers Overview, Notes and
History; sales and loyalty register the tabs of the records they own:

    card_tabs.register(CardTab(code="sales", label=_("Sales"), order=20, right=None,
                               template="sales/card/_tab_sales.html", provider=sales_tab_context))

The card's view finds the tab asked for here (an unknown one is not found), checks its right and
renders its template; the card's template lists the tabs in their order.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from crm.registry import Registry
from staff.roles import Right


@dataclass(frozen=True)
class CardTab:
    code: str
    label: str | Promise
    order: int
    right: Right | None
    template: str
    provider: Callable[..., dict]

    def may_open(self, user) -> bool:
        return self.right is None or user.has_perm(f"staff.{self.right}")


card_tabs: Registry[CardTab] = Registry("customer card tabs", key=lambda tab: tab.code, order=lambda tab: tab.order)
