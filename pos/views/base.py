"""What every view of the till's API shares: the API's policies as class attributes of
`PosApiView` rather than project settings (token authentication of a terminal, a rate limit per
terminal, JSON only, one error format), the idempotent write, and the schema decorator."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer
from customers.selectors.lookup import customer_for_sale
from pos import errors
from pos.authentication import IsTerminal, TerminalTokenAuthentication
from pos.idempotency import idempotent
from pos.serializers import ClientIdSerializer, ErrorSerializer
from pos.throttling import TerminalRateThrottle


class CanonicalJSONRenderer(JSONRenderer):
    """JSON with its keys sorted: a stored answer (PostgreSQL's jsonb keeps no key order) is sent
    byte for byte as the first time."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        text = json.dumps(
            data, cls=self.encoder_class, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
        )
        # As DRF's renderer: these two are valid JSON but end a line in JavaScript.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def api_schema(**kwargs):
    """drf-spectacular's extend_schema on a view method, built on drf-spectacular's AutoSchema:
    extend_schema would otherwise build on DRF's DEFAULT_SCHEMA_CLASS, which the project's
    settings leave at DRF's own."""

    def decorator(function):
        function.schema = AutoSchema
        return extend_schema(**kwargs)(function)

    return decorator


ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="invalid, malformed_json"),
    401: OpenApiResponse(ErrorSerializer, description="not_authenticated, invalid_token, token_revoked"),
    429: OpenApiResponse(ErrorSerializer, description="throttled"),
}
WRITE_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(ErrorSerializer, description="client_id_reused"),
}
CUSTOMER_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="not_found: no such customer")}


class PosApiView(APIView):
    authentication_classes = [TerminalTokenAuthentication]
    permission_classes = [IsTerminal]
    throttle_classes = [TerminalRateThrottle]
    renderer_classes = [CanonicalJSONRenderer]
    parser_classes = [JSONParser]
    versioning_class = None
    schema = AutoSchema()

    def get_exception_handler(self):
        return errors.exception_handler

    def write(self, request, perform) -> Response:
        """Answer a write once per client_id: `perform(body)` gets the raw body inside the
        transaction that stores its answer, and returns (status, data)."""
        body = request.data
        if not isinstance(body, dict):
            raise exceptions.ValidationError({errors.NON_FIELD: [_("The body must be a JSON object.")]})
        key = ClientIdSerializer(data={"client_id": body.get("client_id")} if "client_id" in body else {})
        key.is_valid(raise_exception=True)
        return idempotent(
            terminal=request.auth,
            client_id=key.validated_data["client_id"],
            method=request.method,
            endpoint=_endpoint(request),
            body=body,
            perform=lambda: perform(body),
        )


def _endpoint(request) -> str:
    """The endpoint a write is stored under: its URL name, with the path's arguments when it has
    some (an adjustment of customer 1 is not the same request as one of customer 2)."""
    match = request.resolver_match
    arguments = "&".join(f"{name}={value}" for name, value in sorted(match.kwargs.items()))
    return f"{match.view_name}?{arguments}" if arguments else match.view_name


def validated(serializer_class, body) -> dict:
    serializer = serializer_class(data=body)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def customer_named(customer_id: int | None) -> Customer | None:
    """The customer a body names by `customer_id` (None when it names none); a 400 on the field
    when there is no such customer."""
    if customer_id is None:
        return None
    customer = customer_for_sale(customer_id=customer_id)
    if customer is None:
        raise DjangoValidationError({"customer_id": _("No customer with the code %(code)s.") % {"code": customer_id}})
    return customer


def customer_or_404(customer_id: int) -> Customer:
    """The customer a path names; 404 when there is none."""
    customer = customer_for_sale(customer_id=customer_id)
    if customer is None:
        raise exceptions.NotFound(_("No customer with the code %(code)s.") % {"code": customer_id})
    return customer
