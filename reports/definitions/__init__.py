"""The reports, one module each; importing a module registers its report (each says its place
in the list with `number`)."""

from reports.definitions import (  # noqa: F401
    buyers,
    cohorts,
    customer_base,
    customer_export,
    loyalty_points,
    purchase_trends,
    regulars_lapsed,
    returns_by_group,
    rfm,
    sales_discounts,
)
