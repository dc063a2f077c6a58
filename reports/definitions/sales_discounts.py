"""2. Sales and discounts: per product and store, what was sold at list prices, what was paid and
the discount granted, in total and by where it came from (a price list, a card, a coupon, by
hand)."""

from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, When
from django.db.models.functions import Round
from django.utils.translation import gettext_lazy as _

from reports.forms import ReportForm
from reports.parameters import customer_group_q, period_q, product_q, store_q
from reports.registry import Chart, Column, Report, report_register
from sales.models import MONEY, QUANTITY, SalesLine

CHUNK = 2000
SHARE = Decimal("0.0001")
Source = SalesLine.DiscountSource
SOURCES = (
    ("price_list_discount", Source.PRICE_LIST),
    ("card_discount", Source.CARD),
    ("coupon_discount", Source.COUPON),
    ("manual_discount", Source.MANUAL),
)

# Every figure is net of returns: what was given back was neither sold nor discounted.
NET_QUANTITY = F("quantity") - F("returned_quantity")
LIST_VALUE = Round(F("list_price") * NET_QUANTITY, 2)
# What was paid for the returned quantity: at the unit price, or, where a coupon came off the
# line's total, its share of the total (as sales.services.sales returns it).
PAID = F("line_total") - Case(
    When(line_total=Round(F("unit_price") * F("quantity"), 2), then=Round(F("unit_price") * F("returned_quantity"), 2)),
    default=Round(F("line_total") * F("returned_quantity") / F("quantity"), 2),
)
# The line's discount less the returned share of it: all of it for a line returned in full.
DISCOUNT = F("discount") - Round(F("discount") * F("returned_quantity") / F("quantity"), 2)


def _money_sum(expression, **extra) -> Sum:
    return Sum(expression, output_field=DecimalField(**MONEY), default=Decimal("0.00"), **extra)


def _source_sums() -> dict:
    return {key: _money_sum(DISCOUNT, filter=Q(discount_source=source)) for key, source in SOURCES}


class SalesDiscountsForm(ReportForm):
    filters = ("period", "stores", "products", "product_groups", "customer_groups")


def discount_lines(parameters: dict):
    """Lines of receipts and invoices in the period at the chosen stores, of the chosen products,
    and (when customer groups are chosen) of customers in them; lines returned in full drop out."""
    return SalesLine.objects.of_purchases().filter(
        period_q(parameters, "document__occurred_at"),
        store_q(parameters, "document__store"),
        product_q(parameters),
        customer_group_q(parameters, "document__customer"),
        quantity__gt=F("returned_quantity"),
    )


@report_register
class SalesDiscountsReport(Report):
    number = 2
    code = "sales-discounts"
    title = _("Sales and discounts")
    description = _(
        "Per product and store: the quantity sold, its value at list prices, the amount paid and "
        "the discount granted — in total and by source: a customer group's price list, a card, a "
        "coupon, or given by hand — with the discount's share of the list-price value. Receipts and invoices "
        "only, net of returns. A chart compares the stores' discounts by source."
    )
    form_class = SalesDiscountsForm

    def columns(self, parameters):
        return [
            Column("sku", _("Product code"), "text", 14),
            Column("product", _("Product"), "text", 28),
            Column("store", _("Store"), "text", 18),
            Column("quantity", _("Quantity"), "quantity", 12),
            Column("list_value", _("Value at list prices"), "money", 16),
            Column("paid", _("Amount paid"), "money", 14),
            Column("discount", _("Discount"), "money", 14),
            Column("price_list_discount", _("Price list discount"), "money", 14),
            Column("card_discount", _("Card discount"), "money", 14),
            Column("coupon_discount", _("Coupon discount"), "money", 14),
            Column("manual_discount", _("Manual discount"), "money", 14),
            Column("discount_share", _("Discount share"), "percent", 12),
        ]

    def _query(self, parameters):
        return (
            discount_lines(parameters)
            .values(
                product_key=F("product_id"),
                sku=F("product__sku"),
                product_name=F("product__name"),
                store_key=F("document__store_id"),
                store_name=F("document__store__name"),
            )
            .annotate(
                # Named apart from the line's fields, which the later sums still read.
                net_quantity=Sum(NET_QUANTITY, output_field=DecimalField(**QUANTITY)),
                list_value=_money_sum(LIST_VALUE),
                paid_amount=_money_sum(PAID),
                discount_granted=_money_sum(DISCOUNT),
                **_source_sums(),
            )
            .order_by("product_name", "sku", "store_name", "store_key")
        )

    def rows(self, parameters):
        for row in self._query(parameters).iterator(chunk_size=CHUNK):
            list_value = row["list_value"]
            yield {
                "sku": row["sku"],
                "product": row["product_name"],
                "store": row["store_name"],
                "quantity": row["net_quantity"],
                "list_value": list_value,
                "paid": row["paid_amount"],
                "discount": row["discount_granted"],
                "price_list_discount": row["price_list_discount"],
                "card_discount": row["card_discount"],
                "coupon_discount": row["coupon_discount"],
                "manual_discount": row["manual_discount"],
                "discount_share": (row["discount_granted"] / list_value).quantize(SHARE) if list_value else None,
            }

    def chart(self, parameters):
        return StoreDiscountsChart()


class StoreDiscountsChart(Chart):
    """A group of bars per store (by name): its discounts by source, summed over its products."""

    def __init__(self):
        self.stores: dict[str, dict[str, Decimal]] = {}

    def add(self, row):
        sums = self.stores.setdefault(row["store"], dict.fromkeys((key for key, _source in SOURCES), Decimal(0)))
        for key in sums:
            sums[key] += row[key]

    def result(self):
        if not self.stores:
            return None
        names = sorted(self.stores, key=lambda name: (name.casefold(), name))
        return {
            "kind": "bar",
            "labels": names,
            "series": [
                {"name": str(source.label), "values": [float(self.stores[name][key]) for name in names]}
                for key, source in SOURCES
            ],
            "value_format": "money",
        }
