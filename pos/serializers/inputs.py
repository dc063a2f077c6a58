"""What the till sends (…In).

The input serializers check the shape of a body only (types, lengths); whether a product exists,
a quantity is positive or a price has two decimals is the sales service's to say, with the
messages every path (screens, imports, the till) shares.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loyalty.models import PointsEntry
from sales.models import SalesDocument

MAX_ID = 2**63 - 1
MAX_LINES = 1000
MAX_PRICE_PRODUCTS = 500


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
    gift_card = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A gift card paying part or all of the sale (its number), with `gift_amount`."),
    )
    gift_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("What the gift card pays: at most its balance and what is left after points."),
    )

    def validate(self, data):
        data = super().validate(data)
        if data.get("gift_card") and data.get("gift_amount") is None:
            raise serializers.ValidationError({"gift_amount": _("Say how much the gift card pays.")})
        return data


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


class GiftLoadInSerializer(ClientIdSerializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_('The money put on the card, e.g. "25.00".')
    )


class PricesInSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    products = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=False,
        max_length=MAX_PRICE_PRODUCTS,
        help_text=_("SKUs or EAN barcodes."),
    )
    coupon = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A coupon's number: the answer says what it would take off one of each product."),
    )
    client_id = serializers.CharField(
        max_length=64, required=False, help_text=_("Accepted and ignored: asking for prices writes nothing.")
    )
