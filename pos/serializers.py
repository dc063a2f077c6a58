"""What the till sends (…In) and what it gets back (…Out).

The input serializers check the shape of a body only (types, lengths); whether a product exists,
a quantity is positive or a price has two decimals is the sales service's to say, with the
messages every path (screens, imports, the till) shares.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers.models import Customer
from loyalty.models import Card, CardType, PointsEntry
from sales.models import SalesDocument

CENT = Decimal("0.01")
MAX_ID = 2**63 - 1
MAX_LINES = 1000
MAX_PRICE_PRODUCTS = 500

# --- input ---------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "format": "decimal", "example": "1.5"})
class DecimalStringField(serializers.Field):
    """A decimal number sent as a string ("1.5"); a JSON number is taken as written. Bounded by
    the column it goes to; its sign and decimals are the service's to judge unless
    `max_decimal_places` is given."""

    default_error_messages = {
        "invalid": _("“{value}” is not a number."),
        "too_large": _("{value} is too large."),
        "decimals": _("{value} has more than {places} decimals."),
    }

    def __init__(self, *, max_whole_digits: int, max_decimal_places: int | None = None, **kwargs):
        self.max_whole_digits = max_whole_digits
        self.max_decimal_places = max_decimal_places
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            self.fail("invalid", value=data)
        try:
            value = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid", value=data)
        if not value.is_finite():
            self.fail("invalid", value=data)
        if value and value.adjusted() >= self.max_whole_digits:
            self.fail("too_large", value=data)
        if self.max_decimal_places is not None and value.as_tuple().exponent < -self.max_decimal_places:
            self.fail("decimals", value=data, places=self.max_decimal_places)
        return value

    def to_representation(self, value) -> str:
        return str(value)


class ClientIdSerializer(serializers.Serializer):
    client_id = serializers.CharField(
        min_length=1,
        max_length=64,
        trim_whitespace=False,
        help_text=_("Chosen by the till, unique per terminal (a UUID, say); a replay sends the same."),
    )


class SaleLineInSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=40, help_text=_("The product's SKU or EAN barcode."))
    quantity = DecimalStringField(max_whole_digits=9)
    unit_price = DecimalStringField(
        max_whole_digits=12,
        required=False,
        allow_null=True,
        help_text=_("The price paid per unit; left out, the customer's price of today is charged."),
    )


class SaleInSerializer(ClientIdSerializer):
    occurred_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("When the sale took place; now when left out.")
    )
    kind = serializers.ChoiceField(choices=SalesDocument.Kind.choices, default=SalesDocument.Kind.RECEIPT)
    customer_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    lines = SaleLineInSerializer(many=True, max_length=MAX_LINES)
    card = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "A loyalty card or coupon shown at the till (its number); without `customer_id` the sale "
            "is the card's owner's."
        ),
    )
    points_redeemed = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=-MAX_ID,
        max_value=MAX_ID,
        help_text=_("Points the customer pays part of the receipt with (see `GET /customers/{id}/redeemable/`)."),
    )


class ReturnLineInSerializer(serializers.Serializer):
    sale_line_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = DecimalStringField(max_whole_digits=9, max_decimal_places=3)


class ReturnInSerializer(ClientIdSerializer):
    sale_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    lines = ReturnLineInSerializer(many=True, max_length=MAX_LINES)


class CustomerCreateInSerializer(ClientIdSerializer):
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, help_text=_("Any usual form; stored in international form."))
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")


class RedeemableInSerializer(serializers.Serializer):
    total = DecimalStringField(max_whole_digits=12, max_decimal_places=2, help_text=_("The receipt's total."))

    def validate_total(self, value: Decimal) -> Decimal:
        if value < 0:
            raise serializers.ValidationError(_("The total cannot be negative."))
        return value


class PointsAdjustmentInSerializer(ClientIdSerializer):
    points = serializers.IntegerField(
        min_value=-MAX_ID, max_value=MAX_ID, help_text=_("Points to add (positive) or take (negative).")
    )
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required: the ledger shows it beside the adjustment."),
    )
    staff_username = serializers.CharField(
        max_length=150,
        help_text=_("The cashier signed in at the till; needs the right “May adjust loyalty points”."),
    )
    kind = serializers.ChoiceField(
        choices=[
            (PointsEntry.Kind.ADJUST.value, PointsEntry.Kind.ADJUST.label),
            (PointsEntry.Kind.BONUS.value, PointsEntry.Kind.BONUS.label),
        ],
        default=PointsEntry.Kind.ADJUST.value,
        help_text=_("`adjust` (add or take points) or `bonus` (give points)."),
    )


class PricesInSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    products = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=False,
        max_length=MAX_PRICE_PRODUCTS,
        help_text=_("SKUs or EAN barcodes."),
    )
    client_id = serializers.CharField(
        max_length=64, required=False, help_text=_("Accepted and ignored: asking for prices writes nothing.")
    )


# --- output --------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class GroupOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PurchaseFiguresOutSerializer(serializers.Serializer):
    count = serializers.IntegerField(source="purchase_count")
    total = serializers.DecimalField(max_digits=14, decimal_places=2, source="purchase_total")
    average = serializers.SerializerMethodField()
    first_at = serializers.DateTimeField(source="first_purchase_at")
    last_at = serializers.DateTimeField(source="last_purchase_at")
    return_count = serializers.IntegerField()

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_average(self, customer: Customer) -> str | None:
        if not customer.purchase_count:
            return None
        return str((customer.purchase_total / customer.purchase_count).quantize(CENT))


def discount_percent_of(card: Card) -> str | None:
    """A discount card's percentage as a string; None for other kinds."""
    if card.card_type.kind != CardType.Kind.DISCOUNT or card.card_type.discount_percent is None:
        return None
    return str(card.card_type.discount_percent)


class CustomerCardOutSerializer(serializers.Serializer):
    number = serializers.CharField()
    type = serializers.CharField(source="card_type.name")
    kind = serializers.CharField(source="card_type.kind", help_text=_("discount, bonus, gift or coupon."))
    status = serializers.CharField()
    discount_percent = serializers.SerializerMethodField(help_text=_("A discount card's percentage, else null."))

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_discount_percent(self, card: Card) -> str | None:
        return discount_percent_of(card)


class CustomerOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.SerializerMethodField(help_text=_("What `GET /customers/?code=` finds the customer by."))
    kind = serializers.CharField()
    name = serializers.CharField(source="__str__")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    company_name = serializers.CharField()
    status = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    group = GroupOutSerializer(allow_null=True)
    purchases = PurchaseFiguresOutSerializer(source="*")
    points_balance = serializers.IntegerField(source="api_points_balance", help_text=_("Loyalty points now."))
    cards = CustomerCardOutSerializer(many=True, source="api_cards", help_text=_("The customer's active cards."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_code(self, customer: Customer) -> str:
        return str(customer.pk)


class ProductOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    ean = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class StoreOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class SaleLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("What a return names the line by (`sale_line_id`)."))
    product = ProductOutSerializer()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_source = serializers.CharField(help_text=_("price_list, card, manual, or empty for no discount."))
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    returned_quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


class SalePointsOutSerializer(serializers.Serializer):
    earned = serializers.IntegerField(help_text=_("Points this sale earned."))
    redeemed = serializers.IntegerField(help_text=_("Points that paid part of it."))
    redeemed_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("The money the redeemed points paid.")
    )
    balance = serializers.IntegerField(help_text=_("The customer's balance after the sale."))


class SaleOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.CharField()
    kind = serializers.CharField()
    number = serializers.CharField()
    store = StoreOutSerializer()
    terminal_id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    returned_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    payment_status = serializers.CharField()
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    lines = SaleLineOutSerializer(many=True, source="api_lines")
    customer = CustomerOutSerializer(allow_null=True, help_text=_("With the purchase figures after this sale."))
    points = SalePointsOutSerializer(
        source="api_points", allow_null=True, help_text=_("Loyalty points of the sale; null for an anonymous sale.")
    )


class ReturnLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sale_line_id = serializers.IntegerField()
    product = ProductOutSerializer(source="sale_line.product")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ReturnPointsOutSerializer(serializers.Serializer):
    restored = serializers.IntegerField(help_text=_("Points redeemed on the sale, given back for the returned part."))
    taken_back = serializers.IntegerField(help_text=_("Points the returned lines earned, taken back."))
    shortfall = serializers.IntegerField(
        help_text=_("Points to take back that were spent already and are not taken (the programme stops at zero).")
    )
    balance = serializers.IntegerField(help_text=_("The customer's balance after the return."))


class ReturnOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.CharField()
    sale_id = serializers.IntegerField()
    store = StoreOutSerializer()
    terminal_id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField()
    lines = ReturnLineOutSerializer(many=True, source="api_lines")
    customer = CustomerOutSerializer(allow_null=True, help_text=_("With the purchase figures after this return."))
    points = ReturnPointsOutSerializer(
        source="api_points", allow_null=True, help_text=_("Loyalty points of the return; null for an anonymous sale.")
    )


class PriceOutSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("The code as asked (SKU or EAN)."))
    product = ProductOutSerializer()
    list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("What the customer pays today."))
    discount_source = serializers.CharField()
    price_list = serializers.CharField()


class PricesOutSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(allow_null=True)
    date = serializers.DateField()
    prices = PriceOutSerializer(many=True)


class CardTypeOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("discount, bonus, gift or coupon."))


class CardCustomerOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    points_balance = serializers.IntegerField(source="api_points_balance")


class CardOutSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField(help_text=_("stock, active, blocked, replaced, removed or used."))
    is_usable = serializers.BooleanField(source="api_is_usable", help_text=_("Whether a sale may name the card today."))
    refusal = serializers.CharField(
        source="api_refusal",
        allow_null=True,
        help_text=_("Why the card cannot be used (the words a sale naming it is refused with)."),
    )
    type = CardTypeOutSerializer(source="card_type")
    discount_percent = serializers.SerializerMethodField(help_text=_("A discount card's percentage, else null."))
    gift_balance = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="balance", allow_null=True, help_text=_("A gift card's money left.")
    )
    coupon_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="card_type.coupon_amount", allow_null=True
    )
    coupon_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, source="card_type.coupon_percent", allow_null=True
    )
    valid_until = serializers.DateField(allow_null=True)
    replaced_by = serializers.CharField(
        source="replaced_by.number", allow_null=True, help_text=_("A replaced card's successor.")
    )
    customer = CardCustomerOutSerializer(
        allow_null=True, help_text=_("The card's customer (also of a blocked or former card), else null.")
    )

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_discount_percent(self, card: Card) -> str | None:
        return discount_percent_of(card)


class RedeemableOutSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("The receipt's total, as asked."))
    balance = serializers.IntegerField(help_text=_("The customer's points now."))
    max_points = serializers.IntegerField(help_text=_("The most points that may pay this receipt."))
    point_value = serializers.DecimalField(max_digits=8, decimal_places=4, help_text=_("The money one point pays."))
    money_value = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("What `max_points` pay."))
    max_share_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("The largest share of a receipt points may pay.")
    )
    is_enabled = serializers.BooleanField(help_text=_("Whether the loyalty programme is running."))


class PointsAdjustmentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    kind = serializers.CharField()
    points = serializers.IntegerField()
    balance_after = serializers.IntegerField()
    reason = serializers.CharField()
    staff_username = serializers.CharField(source="author.username")
    terminal_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
