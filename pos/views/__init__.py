"""The till's JSON API (`/api/v1/…`), its OpenAPI schema and its docs, one module per resource.
See docs/api.md.

Each view validates the body, calls the selectors and services of the apps below and serializes
the typed result they return; every write goes through `pos.idempotency.idempotent`.
"""

from pos.views.cards import CardView, GiftLoadsView  # noqa: F401
from pos.views.customers import CustomersView, PointsAdjustmentsView, RedeemableView  # noqa: F401
from pos.views.sales import PricesView, ReturnsView, SalesView  # noqa: F401
from pos.views.schema import PosDocsView, PosSchemaView, not_found_view  # noqa: F401
