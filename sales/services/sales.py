"""Registering sales and returns: the one path every till, screen, import and demo goes through.

A sale of N lines costs a handful of queries: the products (one), the customer's price list
(two when the customer has a group), the document (one), the lines (one), the customer's
purchase figures (one UPDATE with F() expressions), plus what the registered steps add.
"""

import datetime
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.money import money
from crm.tenant_config import config_pinned
from customers.models import Customer
from sales.models import Product, Return, ReturnLine, SalesDocument, SalesLine, Store, Terminal
from sales.registry import line_discounts, return_steps, sale_steps
from sales.rules import line_amounts
from sales.selectors.pricing import customer_prices
from staff.models import User

# A till's clock may run a little ahead of ours.
CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class LineInput:
    """One line as a till or a screen sends it: the product by SKU or EAN, the quantity, and
    optionally the price paid (else the customer's price today) and a manual discount source."""

    product: str
    quantity: Decimal
    unit_price: Decimal | None = None
    discount_source: str = ""


class SaleSource(enum.StrEnum):
    """Where a sale or a return was registered (values of loyalty's PointsEntry.Source)."""

    TILL = "till"
    BACK_OFFICE = "back_office"
    IMPORT = "import"


Extension = TypeVar("Extension")


@dataclass(frozen=True)
class SaleContext:
    """What the registered steps get besides the sale: where and by whom it was registered, and
    the typed inputs later apps defined for their steps (`extensions`: loyalty's LoyaltyAtSale,
    say), each found by its type."""

    source: SaleSource
    terminal: Terminal | None = None
    acting_user: User | None = None
    extensions: tuple = ()

    def extension(self, cls: type[Extension]) -> Extension | None:
        """The extension of type `cls` the caller passed, or None."""
        return next((extension for extension in self.extensions if isinstance(extension, cls)), None)


def _context(
    *, source: SaleSource | None, terminal: Terminal | None, acting_user: User | None, extensions
) -> SaleContext:
    if source is None:
        source = SaleSource.TILL if terminal is not None else SaleSource.BACK_OFFICE
    return SaleContext(
        source=SaleSource(source), terminal=terminal, acting_user=acting_user, extensions=tuple(extensions or ())
    )


def _money_clean(value: Decimal, *, where: str) -> Decimal:
    if value.as_tuple().exponent < -2:
        raise ValidationError(
            _("%(where)s: %(value)s has more decimals than the currency (2).") % {"where": where, "value": value}
        )
    if value < 0:
        raise ValidationError(_("%(where)s: the price cannot be negative.") % {"where": where})
    return value


def _occurred_at_clean(occurred_at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if occurred_at is None:
        return now
    if occurred_at > now + CLOCK_SKEW:
        raise ValidationError(
            {"occurred_at": _("The sale is dated in the future (%(when)s).") % {"when": occurred_at.isoformat()}}
        )
    return occurred_at


def _purchase_figures_add(*, customer: Customer, amount: Decimal, occurred_at: datetime.datetime) -> None:
    """Add the sale to the customer's purchase figures in one UPDATE, and give `customer` the
    figures it leaves (those of concurrent sales included), so the till's answer needs no read."""
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET purchase_count = purchase_count + 1, purchase_total = purchase_total + %s,"
            " first_purchase_at = LEAST(COALESCE(first_purchase_at, %s), %s),"
            " last_purchase_at = GREATEST(COALESCE(last_purchase_at, %s), %s)"
            " WHERE id = %s"
            " RETURNING purchase_count, purchase_total, first_purchase_at, last_purchase_at, return_count",
            [amount, occurred_at, occurred_at, occurred_at, occurred_at, customer.pk],
        )
        figures = cursor.fetchone()
    if figures is not None:
        (
            customer.purchase_count,
            customer.purchase_total,
            customer.first_purchase_at,
            customer.last_purchase_at,
            customer.return_count,
        ) = figures


@transaction.atomic
# The retailer's settings (prices, then the steps' points) are read at one version.
@config_pinned()
def sale_register(
    *,
    store: Store,
    lines: list[LineInput],
    customer: Customer | None = None,
    kind: str = SalesDocument.Kind.RECEIPT,
    occurred_at: datetime.datetime | None = None,
    number: str = "",
    terminal: Terminal | None = None,
    acting_user: User | None = None,
    client_id: str | None = None,
    payment_status: str = SalesDocument.PaymentStatus.PAID,
    paid_amount: Decimal | None = None,
    source: SaleSource | None = None,
    extensions: list | tuple = (),
) -> SalesDocument:
    """Write a sales document with its lines. A receipt or an invoice of a known customer adds to
    the customer's purchase figures; the registered steps (points) run in the same transaction.

    Refused with a ValidationError naming the line and the problem: no lines, an unknown or
    inactive product, a quantity that is not positive, a price with more than two decimals or
    negative, a date in the future. Nothing is written then.

    `source` says where the sale was registered (by default the till when a terminal is given,
    else the back office); `extensions` carry typed inputs of the registered steps.
    """
    if not lines:
        raise ValidationError({"lines": _("A sale needs at least one line.")})
    occurred_at = _occurred_at_clean(occurred_at)
    codes = {line.product for line in lines}
    products = {}
    for product in Product.objects.by_codes(codes):
        products[product.sku] = product
        if product.ean:
            products[product.ean] = product
    prices = customer_prices(
        customer=customer,
        products=list({p.pk: p for p in products.values()}.values()),
        today=timezone.localtime(occurred_at).date(),
    )
    documents_lines = []
    total = discount_total = Decimal("0")
    for number_in_sale, line in enumerate(lines, start=1):
        where = _("Line %(number)s") % {"number": number_in_sale}
        product = products.get(line.product)
        if product is None or not product.is_active:
            raise ValidationError(
                {
                    "lines": _("%(where)s: no active product with the code “%(code)s”.")
                    % {"where": where, "code": line.product}
                }
            )
        quantity = Decimal(line.quantity)
        if quantity <= 0:
            raise ValidationError({"lines": _("%(where)s: the quantity must be more than zero.") % {"where": where}})
        if quantity.as_tuple().exponent < -3:
            raise ValidationError({"lines": _("%(where)s: a quantity has at most three decimals.") % {"where": where}})
        price = prices[product.pk]
        if line.unit_price is None:
            unit_price, discount_source = price.price, price.source
        else:
            unit_price = _money_clean(Decimal(line.unit_price), where=where)
            discount_source = line.discount_source or (
                SalesLine.DiscountSource.MANUAL if unit_price < product.list_price else ""
            )
        unit_price, line_total, discount = line_amounts(
            list_price=product.list_price, quantity=quantity, unit_price=unit_price
        )
        total += line_total
        discount_total += discount
        documents_lines.append(
            SalesLine(
                product=product,
                quantity=quantity,
                list_price=product.list_price,
                unit_price=unit_price,
                discount=discount,
                discount_source=discount_source if discount else "",
                line_total=line_total,
            )
        )
    context = _context(source=source, terminal=terminal, acting_user=acting_user, extensions=extensions)
    if line_discounts:
        for discount_step in line_discounts:
            discount_step(documents_lines, customer, occurred_at, context)
        total = sum((line.line_total for line in documents_lines), Decimal("0"))
        discount_total = sum((line.discount for line in documents_lines), Decimal("0"))
    sale = SalesDocument.objects.create(
        kind=kind,
        number=number,
        store=store,
        terminal=terminal,
        author=acting_user,
        customer=customer,
        occurred_at=occurred_at,
        total=total,
        discount_total=discount_total,
        payment_status=payment_status,
        paid_amount=total
        if paid_amount is None and payment_status == SalesDocument.PaymentStatus.PAID
        else (paid_amount or 0),
        due_date=(timezone.localtime(occurred_at).date() + datetime.timedelta(days=customer.payment_terms_days))
        if kind == SalesDocument.Kind.INVOICE and customer is not None and customer.payment_terms_days
        else None,
        client_id=client_id,
    )
    for sales_line in documents_lines:
        sales_line.document = sale
    SalesLine.objects.bulk_create(documents_lines)
    sale.written_lines = tuple(documents_lines)
    if customer is not None and sale.is_purchase:
        _purchase_figures_add(customer=customer, amount=total, occurred_at=occurred_at)
    for step in sale_steps:
        step(sale, documents_lines, context)
    return sale


@dataclass(frozen=True)
class ReturnLineInput:
    sale_line_id: int
    quantity: Decimal


def _paid_for(sale_line: SalesLine, quantity: Decimal) -> Decimal:
    """What `quantity` of the line was paid: at its unit price, or, where a discount came off the
    line's total (a coupon), its share of the total."""
    if sale_line.line_total == money(sale_line.unit_price * sale_line.quantity):
        return money(sale_line.unit_price * quantity)
    return money(sale_line.line_total * quantity / sale_line.quantity)


@transaction.atomic
def return_register(
    *,
    sale: SalesDocument,
    lines: list[ReturnLineInput],
    reason: str = "",
    store: Store | None = None,
    terminal: Terminal | None = None,
    acting_user: User | None = None,
    occurred_at: datetime.datetime | None = None,
    client_id: str | None = None,
    source: SaleSource | None = None,
    extensions: list | tuple = (),
) -> Return:
    """Take goods back against the sale they were bought in, line by line (partly if need be).

    The sale's lines are locked first, so two returns of the same line at once cannot together
    return more than was sold (a database constraint holds it too). The amount is what was paid
    for the returned quantity; it comes off the customer's total, and the return is counted.
    """
    if not lines:
        raise ValidationError({"lines": _("Choose at least one line to return.")})
    occurred_at = _occurred_at_clean(occurred_at)
    requested: dict[int, Decimal] = {}
    for line in lines:
        quantity = Decimal(line.quantity)
        if quantity <= 0:
            raise ValidationError({"lines": _("A returned quantity must be more than zero.")})
        requested[line.sale_line_id] = requested.get(line.sale_line_id, Decimal("0")) + quantity
    sale_lines = {
        sale_line.pk: sale_line
        for sale_line in SalesLine.objects.select_for_update(no_key=True, of=("self",))
        .filter(document=sale, pk__in=requested)
        .select_related("product")
        .order_by("pk")
    }
    return_lines = []
    amount = Decimal("0")
    for sale_line_id, quantity in requested.items():
        sale_line = sale_lines.get(sale_line_id)
        if sale_line is None:
            raise ValidationError({"lines": _("Line %(line)s is not a line of this sale.") % {"line": sale_line_id}})
        if quantity > sale_line.returnable_quantity:
            raise ValidationError(
                {
                    "lines": _(
                        "%(product)s: %(asked)s asked back, but only %(left)s of %(sold)s sold can still be returned."
                    )
                    % {
                        "product": sale_line.product.name,
                        "asked": quantity.normalize(),
                        "left": sale_line.returnable_quantity.normalize(),
                        "sold": sale_line.quantity.normalize(),
                    }
                }
            )
        if quantity == sale_line.returnable_quantity:
            line_amount = sale_line.line_total - _paid_for(sale_line, sale_line.returned_quantity)
        else:
            line_amount = _paid_for(sale_line, quantity)
        amount += line_amount
        sale_line.returned_quantity += quantity
        return_lines.append(ReturnLine(sale_line=sale_line, quantity=quantity, amount=line_amount))
    SalesLine.objects.bulk_update(list(sale_lines.values()), ["returned_quantity"])
    SalesDocument.objects.filter(pk=sale.pk).update(returned_total=F("returned_total") + amount)
    return_document = Return.objects.create(
        sale=sale,
        store=store or sale.store,
        terminal=terminal,
        author=acting_user,
        customer_id=sale.customer_id,
        occurred_at=occurred_at,
        amount=amount,
        reason=reason.strip(),
        client_id=client_id,
    )
    for return_line in return_lines:
        return_line.return_document = return_document
    ReturnLine.objects.bulk_create(return_lines)
    if sale.customer_id is not None and sale.is_purchase:
        Customer.objects.filter(pk=sale.customer_id).update(
            purchase_total=F("purchase_total") - amount, return_count=F("return_count") + 1
        )
    context = _context(source=source, terminal=terminal, acting_user=acting_user, extensions=extensions)
    for step in return_steps:
        step(return_document, return_lines, context)
    return return_document
