"""Sets of customers a later app names, that the customer list (its page, bulk actions and
export) can be narrowed to: one registry that the owning app fills in its AppConfig.ready().

    list_scopes.register(ListScope(param="segment", label=_("Segment"), choices=..., condition=...))

`/customers/?segment_id=4` then lists the segment's customers with every other filter on top.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.functional import Promise

from crm.registry import Registry


@dataclass(frozen=True)
class ListScope:
    param: str
    label: Promise
    # (value, label) pairs of the select box, in their order.
    choices: Callable[[], list[tuple[str, str]]]
    # The customers of a value (one of the choices); a value that selects nobody any more gives Q(pk__in=[]).
    condition: Callable[[str], Q]
    # Where the list's current filter can be saved as one (a URL name taking `?from_list=<query>`),
    # for users holding `save_right`; none when the scope cannot be saved to.
    save_label: Promise | None = None
    save_url_name: str = ""
    save_right: str = ""


list_scopes: Registry[ListScope] = Registry("customer list scopes", key=lambda scope: scope.param)
