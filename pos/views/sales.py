"""Sales, returns and prices at the till."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.response import Response

from loyalty.selectors.card_lookup import customer_of_card
from loyalty.selectors.coupons import CouponPreview, PricedLine, coupon_preview
from loyalty.selectors.redemption import return_outcome, sale_outcome
from loyalty.services.gift_sale import GiftAtSale
from loyalty.services.sale_points import LoyaltyAtSale
from pos.serializers import (
    ErrorSerializer,
    PricesInSerializer,
    PricesWithCouponOutSerializer,
    ReturnInSerializer,
    ReturnOutSerializer,
    SaleInSerializer,
    SaleOutSerializer,
)
from pos.views.base import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, PosApiView, api_schema, customer_named, validated
from sales.models import SalesDocument
from sales.selectors.till import till_prices
from sales.services.sales import LineInput, ReturnLineInput, SaleSource, return_register, sale_register


class SalesView(PosApiView):
    @api_schema(
        operation_id="sale_register",
        summary="Register a sale",
        description="With a loyalty card (`card`) and points paying part of it (`points_redeemed`) if "
        "the customer has them. A refused card or redemption is a 400 with the field `card` or "
        "`points_redeemed`, and nothing is written.",
        request=SaleInSerializer,
        responses={201: SaleOutSerializer, **WRITE_ERROR_RESPONSES},
    )
    def post(self, request):
        terminal = request.auth

        def perform(body):
            data = validated(SaleInSerializer, body)
            customer = customer_named(data.get("customer_id"))
            if customer is None and data["card"]:
                # The sale of a card's owner: the card names them. A card that names nobody (not
                # known, blocked, a coupon in stock) is judged by the loyalty step.
                customer = customer_of_card(number=data["card"])
            loyalty = LoyaltyAtSale(card_number=data["card"], points_to_redeem=data.get("points_redeemed") or 0)
            gift = GiftAtSale(number=data["gift_card"], amount=data.get("gift_amount") or Decimal("0"))
            sale = sale_register(
                store=terminal.store,
                terminal=terminal,
                client_id=data["client_id"],
                customer=customer,
                kind=data["kind"],
                occurred_at=data.get("occurred_at"),
                number=data["number"],
                lines=[
                    LineInput(product=line["product"], quantity=line["quantity"], unit_price=line.get("unit_price"))
                    for line in data["lines"]
                ],
                source=SaleSource.TILL,
                extensions=[loyalty, gift],
            )
            outcome = sale_outcome(sale=sale, moved=loyalty.moved, gift_entry=gift.entry)
            return 201, SaleOutSerializer(outcome).data

        return self.write(request, perform)


class ReturnsView(PosApiView):
    @api_schema(
        operation_id="return_register",
        summary="Register a return",
        request=ReturnInSerializer,
        responses={
            201: ReturnOutSerializer,
            404: OpenApiResponse(ErrorSerializer, description="not_found: no such sale"),
            **WRITE_ERROR_RESPONSES,
        },
    )
    def post(self, request):
        terminal = request.auth

        def perform(body):
            data = validated(ReturnInSerializer, body)
            sale = SalesDocument.objects.filter(pk=data["sale_id"]).first()
            if sale is None:
                raise exceptions.NotFound(_("No sale with the id %(id)s.") % {"id": data["sale_id"]})
            return_document = return_register(
                sale=sale,
                store=terminal.store,
                terminal=terminal,
                client_id=data["client_id"],
                reason=data["reason"],
                occurred_at=data.get("occurred_at"),
                lines=[
                    ReturnLineInput(sale_line_id=line["sale_line_id"], quantity=line["quantity"])
                    for line in data["lines"]
                ],
                source=SaleSource.TILL,
            )
            return 201, ReturnOutSerializer(return_outcome(return_document=return_document)).data

        return self.write(request, perform)


@dataclass(frozen=True)
class PricesAnswer:
    customer_id: int | None
    date: datetime.date
    prices: tuple
    coupon: CouponPreview | None


class PricesView(PosApiView):
    @api_schema(
        operation_id="customer_prices",
        summary="What the customer pays today",
        description="A read: it writes nothing, so it needs no client_id.",
        request=PricesInSerializer,
        responses={200: PricesWithCouponOutSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = validated(PricesInSerializer, request.data)
        customer = customer_named(data.get("customer_id"))
        prices = till_prices(customer=customer, codes=data["products"])
        coupon = None
        if data["coupon"]:
            lines = [
                PricedLine(code=price.code, product=price.product, line_total=price.price) for price in prices.prices
            ]
            coupon = coupon_preview(number=data["coupon"], lines=lines)
        answer = PricesAnswer(customer_id=prices.customer_id, date=prices.date, prices=prices.prices, coupon=coupon)
        return Response(PricesWithCouponOutSerializer(answer).data)
