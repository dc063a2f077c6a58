"""Two years of sales for the demo retailer, a delicatessen with three stores: registering them.

What it makes (deterministic for a seed; the dates end today):

- stores TLN1, TRT1, PRN1; 17 product groups in a tree of two levels and 150 products with
  EAN-13 barcodes (list prices in EUR, VAT 24 %);
- price lists "Wholesale −15 %" (15 % off coffee and tea, bakery and pantry) for the customer
  group Wholesale and "VIP prices" (fixed prices for a few favourites) for VIP;
- receipts of the customers by how they shop: the Weekly group every week since they became
  regulars in the last weeks, Regulars and Monthly every month and VIP every two months
  (bigger baskets) since some months, some with a visit now and then before; Friends & family
  and other customers a few times a year or once, more than half of them never; some buyers
  (all archived ones among them) came regularly and stopped 6–12 months ago. About 15 % of the
  receipts are anonymous;
- invoices for the businesses (Wholesale) every four to five months, most paid, recent ones
  partly paid or unpaid (some overdue by their payment terms), and a few orders and quotes;
- peaks before Christmas (gift boxes, stollen, mulled wine) and at back-to-school in August
  (lunch boxes and bottles), more on Fridays and Saturdays;
- about 3 % of the lines returned within three weeks, with a reason.

Every sale goes through `sale_register` and every return through `return_register`, so the
customers' purchase figures and any steps later apps join to sales are exactly what the sales
say: with the demo's loyalty programme set up first (demo/loyalty_demo.py), known customers'
sales earn points, returns take them back, and some receipts pay with points
(`points_to_redeem`). That is also what bounds the size: those calls take 4–8 ms each on the
project's two-core machines without the programme (5 queries for an anonymous receipt, up to 10
for a customer with a price list) and about 10 more queries for a customer's sale with it
(account, programme, rules, tier, the entry), so about 6,000 sales and 550 returns, some 20,000
lines, keep the demo set-up near a minute.
"""

import datetime
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from customers.models import Customer, CustomerGroup
from demo.sales_demo.catalogue import DemoCatalogue, demo_catalogue_create
from demo.sales_demo.planning import (
    ANONYMOUS_SHARE,
    PlannedSale,
    Planner,
    anonymous_sales,
    business_sales,
    customer_sales,
    returns_plan,
    sales_numbers,
)
from loyalty.services.sale_points import LoyaltyAtSale
from sales.models import (
    SalesDocument,
    SalesLine,
)
from sales.services.sales import ReturnLineInput, SaleSource, return_register, sale_register
from staff.models import User

logger = logging.getLogger(__name__)

RETURN_REASONS = (
    "Damaged packaging",
    "Past its best-before date",
    "Wrong item picked",
    "Changed their mind",
    "Bought twice by mistake",
    "Not as described",
    "Gift not needed",
)


@dataclass(frozen=True)
class DemoSalesSummary:
    stores: int
    products: int
    sales: int
    lines: int
    returns: int


def _source(kind: str) -> SaleSource:
    """Where a demo document was registered: receipts at the tills, the rest in the back office."""
    return SaleSource.TILL if kind == SalesDocument.Kind.RECEIPT else SaleSource.BACK_OFFICE


@transaction.atomic
def demo_sales_create(
    *,
    tenant,
    seed: int = 2026,
    catalogue: DemoCatalogue | None = None,
    points_to_redeem: Callable[[PlannedSale], int] | None = None,
) -> DemoSalesSummary | None:
    """Create two years of sales and returns in the current schema (that of `tenant`), ending
    today, on the demo's catalogue: the one given (made by `demo_catalogue_create` before, so that
    other parts of the demo can refer to its products), or one made here. Without a catalogue,
    does nothing when the schema has stores already (returns None then), so running it again adds
    nothing. `points_to_redeem(sale)`, when given, says how many points a receipt pays with."""
    catalogue = catalogue or demo_catalogue_create()
    if catalogue is None:
        return None
    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    stores, products = catalogue.stores, catalogue.products
    planner = Planner(
        rng=rng, products=products, popularity=catalogue.popularity, seasons=catalogue.seasons, stores=stores, now=now
    )
    groups = dict(CustomerGroup.objects.values_list("pk", "name"))
    buyers = list(Customer.objects.filter(company__isnull=True).order_by("pk"))
    people = [customer for customer in buyers if customer.kind == Customer.Kind.PERSON]
    businesses = [customer for customer in buyers if customer.kind == Customer.Kind.BUSINESS]
    sales = customer_sales(planner, people, groups) + business_sales(planner, businesses)
    sales += anonymous_sales(planner, count=round(len(sales) * ANONYMOUS_SHARE / (1 - ANONYMOUS_SHARE)))
    sales.sort(key=lambda sale: sale.when)
    returns_plan(planner, sales)
    cashier = User.objects.filter(username="cashier").first()
    admin = User.objects.filter(username="admin").first()
    line_count = 0
    returning: list[tuple[PlannedSale, SalesDocument]] = []
    for sale, number in zip(sales, sales_numbers(sales), strict=True):
        redeem = points_to_redeem(sale) if points_to_redeem is not None else 0
        document = sale_register(
            store=sale.store,
            customer=sale.customer,
            lines=sale.lines,
            kind=sale.kind,
            occurred_at=sale.when,
            number=number,
            acting_user=cashier if sale.kind == SalesDocument.Kind.RECEIPT else admin,
            payment_status=sale.payment_status,
            paid_amount=sale.paid_amount,
            source=_source(sale.kind),
            extensions=[LoyaltyAtSale(points_to_redeem=redeem)] if redeem else [],
        )
        line_count += len(sale.lines)
        if sale.returns:
            returning.append((sale, document))
    return_count = _returns_register(planner, returning, cashier)
    summary = DemoSalesSummary(
        stores=len(stores), products=len(products), sales=len(sales), lines=line_count, returns=return_count
    )
    logger.info("demo sales: %s in %.1f s", summary, time.monotonic() - started)
    return summary


def _returns_register(
    planner: Planner, returning: list[tuple[PlannedSale, SalesDocument]], acting_user: User | None
) -> int:
    rng = planner.rng
    lines: dict[int, list[int]] = {}
    for document_id, line_id in (
        SalesLine.objects.filter(document__in=[document for _sale, document in returning])
        .order_by("document_id", "pk")
        .values_list("document_id", "pk")
    ):
        lines.setdefault(document_id, []).append(line_id)
    count = 0
    for sale, document in returning:
        when = sale.when + datetime.timedelta(days=rng.randint(1, 21), hours=rng.randint(0, 5))
        if when >= planner.now:
            continue
        line_ids = lines[document.pk]
        return_register(
            sale=document,
            lines=[ReturnLineInput(line_ids[index], quantity) for index, quantity in sale.returns],
            reason=rng.choice(RETURN_REASONS),
            acting_user=acting_user,
            occurred_at=when,
            source=_source(SalesDocument.Kind.RECEIPT),
        )
        count += 1
    return count
