"""A loyalty card by its number, as the till shows it to the cashier."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.response import Response

from loyalty.selectors.card_lookup import card_by_number
from pos.serializers import CardOutSerializer, ErrorSerializer
from pos.views.base import ERROR_RESPONSES, PosApiView, api_schema


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
