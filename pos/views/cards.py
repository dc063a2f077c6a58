"""A loyalty card by its number, as the till shows it to the cashier."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.response import Response

from loyalty.selectors.card_lookup import card_by_number
from loyalty.selectors.redemption import GiftMoved
from loyalty.services.gift import gift_load
from pos.serializers import CardOutSerializer, ErrorSerializer, GiftLoadInSerializer, GiftOutSerializer
from pos.views.base import ERROR_RESPONSES, WRITE_ERROR_RESPONSES, PosApiView, api_schema, validated


class CardView(PosApiView):
    @api_schema(
        operation_id="card_get",
        summary="A loyalty card by its number",
        description="Any card of the retailer, whatever its status: a blocked, replaced, removed or "
        "used card answers 200 with `is_usable` false and `refusal` saying why, for the cashier. "
        "A number the retailer does not know is 404.",
        responses={
            200: CardOutSerializer,
            404: OpenApiResponse(ErrorSerializer, description="not_found: no card with the number"),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request, number: str):
        card = card_by_number(number=number, on=timezone.localdate())
        if card is None:
            raise exceptions.NotFound(_("No card with the number “%(number)s”.") % {"number": number})
        return Response(CardOutSerializer(card).data)


class GiftLoadsView(PosApiView):
    @api_schema(
        operation_id="gift_card_load",
        summary="Load money on a gift card",
        description="Puts `amount` on an active gift card of the retailer. The load earns no points and "
        "is no purchase (spending the card is). A card that cannot be loaded is a 400 with the field "
        "`card`, and nothing is written.",
        request=GiftLoadInSerializer,
        responses={201: GiftOutSerializer, **WRITE_ERROR_RESPONSES},
    )
    def post(self, request, number: str):
        terminal = request.auth

        def perform(body):
            data = validated(GiftLoadInSerializer, body)
            entry = gift_load(number=number, amount=data["amount"], terminal=terminal)
            moved = GiftMoved(card=entry.card.number, amount=entry.amount, balance=entry.balance_after)
            return 201, GiftOutSerializer(moved).data

        return self.write(request, perform)
