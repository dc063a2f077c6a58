"""Services that write customers, their properties, groups, imports and merges."""

from customers.services.customers import (  # noqa: F401
    customer_consent_set,
    customer_create,
    customer_note_add,
    customer_update,
    customers_bulk_action,
)
from customers.services.groups import group_create, group_delete, group_update  # noqa: F401
from customers.services.merging import customer_merge  # noqa: F401
from customers.services.properties import property_archive, property_create, property_update  # noqa: F401
