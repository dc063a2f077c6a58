"""factory_boy factories for every model the tests build, one module per app.

They write in the tenant whose context the caller is in (`with tenant_context(alpha.tenant):`)
and never switch tenants. Sales and returns go through the real services, so figures and points
are the application's own.
"""

from tests.factories.customers import CustomerFactory, CustomerGroupFactory, CustomerNoteFactory, CustomPropertyFactory
from tests.factories.loyalty import (
    CardFactory,
    CardTypeFactory,
    EarningRuleFactory,
    ProgrammeFactory,
    TierFactory,
    card_number,
)
from tests.factories.reports import ReportRunFactory
from tests.factories.sales import (
    GroupPriceListFactory,
    PriceListFactory,
    PriceListItemFactory,
    ProductFactory,
    ProductGroupFactory,
    ReturnFactory,
    SaleFactory,
    StoreFactory,
    TerminalFactory,
    ean13,
)
from tests.factories.staff import STAFF_PASSWORD, StaffUserFactory

__all__ = [
    "STAFF_PASSWORD",
    "CardFactory",
    "CardTypeFactory",
    "CustomPropertyFactory",
    "CustomerFactory",
    "CustomerGroupFactory",
    "CustomerNoteFactory",
    "EarningRuleFactory",
    "GroupPriceListFactory",
    "PriceListFactory",
    "PriceListItemFactory",
    "ProductFactory",
    "ProductGroupFactory",
    "ProgrammeFactory",
    "ReportRunFactory",
    "ReturnFactory",
    "SaleFactory",
    "StaffUserFactory",
    "StoreFactory",
    "TerminalFactory",
    "TierFactory",
    "card_number",
    "ean13",
]
