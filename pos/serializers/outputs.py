"""What the till gets back (…Out): each reads the typed result of a selector (a TillCustomer, a
SaleOutcome, a TillCard, …), never attributes hung on a model instance."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.money import CENT
from loyalty.models import Card, CardType
from loyalty.selectors.card_lookup import TillCard, TillCustomer


class AnswerSerializer(serializers.Serializer):
    """An answer's serializer whose fields are made once per class, not per answer.

    DRF deep-copies every declared field for each serializer it makes (a third of a card
    look-up's Python time). An answer only reads: its fields keep no state of one answer and use
    no context (a date-time is put in the zone active when it is shown), so fields bound once, to
    an instance of the class that holds no answer, serve every later one. Fields of an answer
    must therefore never read `self.context` or the serializer's instance."""

    @property
    def fields(self):
        cls = type(self)
        made = cls.__dict__.get("_fields_made")
        if made is None:
            # DRF's own property, on a blank instance: no answer's data stays bound to the fields.
            made = serializers.Serializer.fields.__get__(cls(), cls)
            cls._fields_made = made
        return made


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class GroupOutSerializer(AnswerSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PurchaseFiguresOutSerializer(AnswerSerializer):
    count = serializers.IntegerField(source="purchase_count")
    total = serializers.DecimalField(max_digits=14, decimal_places=2, source="purchase_total")
    average = serializers.SerializerMethodField()
    first_at = serializers.DateTimeField(source="first_purchase_at")
    last_at = serializers.DateTimeField(source="last_purchase_at")
    return_count = serializers.IntegerField()

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_average(self, customer) -> str | None:
        if not customer.purchase_count:
            return None
        return str((customer.purchase_total / customer.purchase_count).quantize(CENT))


def discount_percent_of(card: Card) -> str | None:
    """A discount card's percentage as a string; None for other kinds."""
    if card.card_type.kind != CardType.Kind.DISCOUNT or card.card_type.discount_percent is None:
        return None
    return str(card.card_type.discount_percent)


class CustomerCardOutSerializer(AnswerSerializer):
    number = serializers.CharField()
    type = serializers.CharField(source="card_type.name")
    kind = serializers.CharField(source="card_type.kind", help_text=_("discount, bonus, gift or coupon."))
    status = serializers.CharField()
    discount_percent = serializers.SerializerMethodField(help_text=_("A discount card's percentage, else null."))

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_discount_percent(self, card: Card) -> str | None:
        return discount_percent_of(card)


class CustomerOutSerializer(AnswerSerializer):
    """A TillCustomer."""

    id = serializers.IntegerField(source="customer.id")
    code = serializers.SerializerMethodField(help_text=_("What `GET /customers/?code=` finds the customer by."))
    number = serializers.CharField(
        source="customer.number",
        help_text=_("The retailer's own customer number (empty if none): what `GET /customers/?number=` finds."),
    )
    kind = serializers.CharField(source="customer.kind")
    name = serializers.CharField(source="customer.__str__")
    first_name = serializers.CharField(source="customer.first_name")
    last_name = serializers.CharField(source="customer.last_name")
    company_name = serializers.CharField(source="customer.company_name")
    status = serializers.CharField(source="customer.status")
    phone = serializers.CharField(source="customer.phone")
    email = serializers.CharField(source="customer.email")
    group = GroupOutSerializer(source="customer.group", allow_null=True)
    purchases = PurchaseFiguresOutSerializer(source="customer")
    points_balance = serializers.IntegerField(help_text=_("Loyalty points now."))
    cards = CustomerCardOutSerializer(many=True, help_text=_("The customer's active cards."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_code(self, till_customer: TillCustomer) -> str:
        return str(till_customer.customer.pk)


class ProductOutSerializer(AnswerSerializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    ean = serializers.CharField(allow_null=True)
    name = serializers.CharField()


class StoreOutSerializer(AnswerSerializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class SaleLineOutSerializer(AnswerSerializer):
    id = serializers.IntegerField(help_text=_("What a return names the line by (`sale_line_id`)."))
    product = ProductOutSerializer()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_source = serializers.CharField(help_text=_("price_list, card, manual, or empty for no discount."))
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    returned_quantity = serializers.DecimalField(max_digits=12, decimal_places=3)


class SalePointsOutSerializer(AnswerSerializer):
    earned = serializers.IntegerField(help_text=_("Points this sale earned."))
    redeemed = serializers.IntegerField(help_text=_("Points that paid part of it."))
    redeemed_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("The money the redeemed points paid.")
    )
    balance = serializers.IntegerField(help_text=_("The customer's balance after the sale."))


class GiftOutSerializer(AnswerSerializer):
    card = serializers.CharField(help_text=_("The gift card's number."))
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("What it paid of the sale, or got back by the return.")
    )
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("Its money left after."))


class SaleOutSerializer(AnswerSerializer):
    """A SaleOutcome."""

    id = serializers.IntegerField(source="sale.id")
    client_id = serializers.CharField(source="sale.client_id")
    kind = serializers.CharField(source="sale.kind")
    number = serializers.CharField(source="sale.number")
    store = StoreOutSerializer(source="sale.store")
    terminal_id = serializers.IntegerField(source="sale.terminal_id")
    occurred_at = serializers.DateTimeField(source="sale.occurred_at")
    total = serializers.DecimalField(max_digits=14, decimal_places=2, source="sale.total")
    discount_total = serializers.DecimalField(max_digits=14, decimal_places=2, source="sale.discount_total")
    returned_total = serializers.DecimalField(max_digits=14, decimal_places=2, source="sale.returned_total")
    payment_status = serializers.CharField(source="sale.payment_status")
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2, source="sale.paid_amount")
    lines = SaleLineOutSerializer(many=True)
    customer = CustomerOutSerializer(allow_null=True, help_text=_("With the purchase figures after this sale."))
    points = SalePointsOutSerializer(
        allow_null=True, help_text=_("Loyalty points of the sale; null for an anonymous sale.")
    )
    gift = GiftOutSerializer(allow_null=True, help_text=_("What a gift card paid; null when none did."))


class ReturnLineOutSerializer(AnswerSerializer):
    id = serializers.IntegerField()
    sale_line_id = serializers.IntegerField()
    product = ProductOutSerializer(source="sale_line.product")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ReturnPointsOutSerializer(AnswerSerializer):
    restored = serializers.IntegerField(help_text=_("Points redeemed on the sale, given back for the returned part."))
    taken_back = serializers.IntegerField(help_text=_("Points the returned lines earned, taken back."))
    shortfall = serializers.IntegerField(
        help_text=_("Points to take back that were spent already and are not taken (the programme stops at zero).")
    )
    balance = serializers.IntegerField(help_text=_("The customer's balance after the return."))


class ReturnOutSerializer(AnswerSerializer):
    """A ReturnOutcome."""

    id = serializers.IntegerField(source="return_document.id")
    client_id = serializers.CharField(source="return_document.client_id")
    sale_id = serializers.IntegerField(source="return_document.sale_id")
    store = StoreOutSerializer(source="return_document.store")
    terminal_id = serializers.IntegerField(source="return_document.terminal_id")
    occurred_at = serializers.DateTimeField(source="return_document.occurred_at")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, source="return_document.amount")
    reason = serializers.CharField(source="return_document.reason")
    lines = ReturnLineOutSerializer(many=True)
    customer = CustomerOutSerializer(allow_null=True, help_text=_("With the purchase figures after this return."))
    points = ReturnPointsOutSerializer(
        allow_null=True, help_text=_("Loyalty points of the return; null for an anonymous sale.")
    )
    gift = GiftOutSerializer(allow_null=True, help_text=_("What the gift card that paid got back; null when none."))


class PriceOutSerializer(AnswerSerializer):
    code = serializers.CharField(help_text=_("The code as asked (SKU or EAN)."))
    product = ProductOutSerializer()
    list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("What the customer pays today."))
    discount_source = serializers.CharField()
    price_list = serializers.CharField()


class CouponOffOutSerializer(AnswerSerializer):
    code = serializers.CharField()
    off = serializers.DecimalField(max_digits=14, decimal_places=2)


class CouponPreviewOutSerializer(AnswerSerializer):
    """A CouponPreview."""

    card = serializers.CharField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    min_receipt = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    uses_left = serializers.IntegerField()
    off = serializers.SerializerMethodField(help_text=_("What it would take off one of each product asked."))
    refusal = serializers.CharField(help_text=_("Why it cannot be used now; empty when it can."))

    def get_off(self, preview) -> list[dict]:
        return [{"code": code, "off": f"{amount:.2f}"} for code, amount in preview.off]


class PricesOutSerializer(AnswerSerializer):
    customer_id = serializers.IntegerField(allow_null=True)
    date = serializers.DateField()
    prices = PriceOutSerializer(many=True)


class PricesWithCouponOutSerializer(PricesOutSerializer):
    coupon = CouponPreviewOutSerializer(allow_null=True, help_text=_("With `coupon` asked: its terms and effect."))


class CardTypeOutSerializer(AnswerSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=_("discount, bonus, gift or coupon."))


class CardCustomerOutSerializer(AnswerSerializer):
    """A CardHolder."""

    id = serializers.IntegerField(source="customer.id")
    name = serializers.CharField(source="customer.__str__")
    points_balance = serializers.IntegerField()


class CardOutSerializer(AnswerSerializer):
    """A TillCard."""

    number = serializers.CharField(source="card.number")
    status = serializers.CharField(
        source="card.status", help_text=_("stock, active, blocked, replaced, removed or used.")
    )
    is_usable = serializers.BooleanField(help_text=_("Whether a sale may name the card today."))
    refusal = serializers.CharField(
        allow_null=True,
        help_text=_("Why the card cannot be used (the words a sale naming it is refused with)."),
    )
    type = CardTypeOutSerializer(source="card.card_type")
    discount_percent = serializers.SerializerMethodField(help_text=_("A discount card's percentage, else null."))
    gift_balance = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        source="card.balance",
        allow_null=True,
        help_text=_("A gift card's money left."),
    )
    coupon_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="card.card_type.coupon_amount", allow_null=True
    )
    coupon_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, source="card.card_type.coupon_percent", allow_null=True
    )
    valid_until = serializers.DateField(source="card.valid_until", allow_null=True)
    replaced_by = serializers.CharField(
        source="card.replaced_by.number", allow_null=True, help_text=_("A replaced card's successor.")
    )
    customer = CardCustomerOutSerializer(
        allow_null=True, help_text=_("The card's customer (also of a blocked or former card), else null.")
    )

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True})
    def get_discount_percent(self, till_card: TillCard) -> str | None:
        return discount_percent_of(till_card.card)


class RedeemableOutSerializer(AnswerSerializer):
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


class PointsAdjustmentOutSerializer(AnswerSerializer):
    id = serializers.IntegerField()
    customer_id = serializers.IntegerField()
    kind = serializers.CharField()
    points = serializers.IntegerField()
    balance_after = serializers.IntegerField()
    reason = serializers.CharField()
    staff_username = serializers.CharField(source="author.username")
    terminal_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
