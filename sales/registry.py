"""Steps later apps join to every sale and every return, inside the same transaction.

The loyalty app earns points on a sale and takes them back on a return. It registers its steps
in its AppConfig.ready(); every path that registers a sale or a return (the till's API, the back
office, the history import, the demo) runs them through sales.services, in registration order.

    sale_steps.register(step)      # step(sale, lines, context) after a sale and its lines
    return_steps.register(step)    # step(return_document, return_lines, context) after a return
    line_discounts.register(step)  # step(lines, customer, occurred_at, context) before a sale is
                                   # written: may take more off its (unsaved) lines (a coupon)
"""

from collections.abc import Callable

from crm.registry import Registry

SaleStep = Callable[..., None]

sale_steps: Registry[SaleStep] = Registry("sale steps")
return_steps: Registry[SaleStep] = Registry("return steps")
line_discounts: Registry[SaleStep] = Registry("line discounts")
