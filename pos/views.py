"""The till's JSON API (`/api/v1/…`), its OpenAPI schema and its docs. See docs/api.md.

The API's policies are class attributes of `PosApiView` rather than project settings: token
authentication of a terminal, a rate limit per terminal, JSON only, one error format. Each view
validates the body, calls the services of the apps below and serializes what they return; every
write goes through `pos.idempotency.idempotent`.
"""

import json

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.models import PointsEntry
from loyalty.services.ledger import points_adjust
from pos import errors
from pos.authentication import IsTerminal, TerminalTokenAuthentication
from pos.idempotency import idempotent
from pos.selectors import (
    card_by_number,
    customer_cards_attach,
    customer_figures_refresh,
    customer_find,
    customer_for_sale,
    customer_lookups,
    customer_not_found_message,
    customer_of_card,
    customer_redeemable,
    products_by_code,
    return_points,
    sale_points,
    staff_for_till,
)
from pos.serializers import (
    CardOutSerializer,
    ClientIdSerializer,
    CustomerCreateInSerializer,
    CustomerOutSerializer,
    ErrorSerializer,
    PointsAdjustmentInSerializer,
    PointsAdjustmentOutSerializer,
    PricesInSerializer,
    PricesOutSerializer,
    RedeemableInSerializer,
    RedeemableOutSerializer,
    ReturnInSerializer,
    ReturnOutSerializer,
    SaleInSerializer,
    SaleOutSerializer,
)
from pos.services import till_customer_create
from pos.throttling import TerminalRateThrottle
from sales.models import ReturnLine, SalesDocument, SalesLine
from sales.selectors.pricing import customer_prices
from sales.services.sales import LineInput, ReturnLineInput, return_register, sale_register

API_TITLE = "Regulars POS API"
API_VERSION = "1.0.0"


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


def _validated(serializer_class, body) -> dict:
    serializer = serializer_class(data=body)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _customer_for(customer_id: int | None):
    if customer_id is None:
        return None
    customer = customer_for_sale(customer_id=customer_id)
    if customer is None:
        raise DjangoValidationError({"customer_id": _("No customer with the code %(code)s.") % {"code": customer_id}})
    return customer


def _customer_or_404(customer_id: int):
    """The customer a path names; 404 when there is none."""
    customer = customer_for_sale(customer_id=customer_id)
    if customer is None:
        raise exceptions.NotFound(_("No customer with the code %(code)s.") % {"code": customer_id})
    return customer


class CustomersView(PosApiView):
    @api_schema(
        operation_id="customer_find",
        summary="Find a customer",
        description="Give exactly one of the query parameters.",
        parameters=[
            OpenApiParameter(lookup.name, str, OpenApiParameter.QUERY, description=str(lookup.description))
            for lookup in customer_lookups()
        ],
        responses={
            200: CustomerOutSerializer,
            404: OpenApiResponse(ErrorSerializer, description="not_found"),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        names = [lookup.name for lookup in customer_lookups()]
        given = [name for name in names if name in request.query_params]
        if len(given) != 1:
            raise exceptions.ValidationError(
                {errors.NON_FIELD: [_("Give exactly one of: %(names)s.") % {"names": ", ".join(names)}]}
            )
        by = given[0]
        value = request.query_params[by]
        try:
            customer = customer_find(tenant=request.tenant, by=by, value=value)
        except DjangoValidationError as error:
            raise DjangoValidationError({by: error.messages}) from error
        if customer is None:
            raise exceptions.NotFound(customer_not_found_message(by=by, value=value))
        return Response(CustomerOutSerializer(customer_cards_attach(customer)).data)

    @api_schema(
        operation_id="customer_create",
        summary="Create a customer (in Control)",
        request=CustomerCreateInSerializer,
        responses={
            201: CustomerOutSerializer,
            422: OpenApiResponse(ErrorSerializer, description="plan_limit"),
            **WRITE_ERROR_RESPONSES,
        },
    )
    def post(self, request):
        def perform(body):
            data = _validated(CustomerCreateInSerializer, body)
            customer = till_customer_create(
                tenant=request.tenant,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                email=data["email"],
            )
            return 201, CustomerOutSerializer(customer_figures_refresh(customer)).data

        return self.write(request, perform)


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
            data = _validated(SaleInSerializer, body)
            customer = _customer_for(data.get("customer_id"))
            if customer is None and data["card"]:
                # The sale of a card's owner: the card names them. A card that names nobody (not
                # known, blocked, a coupon in stock) is judged by the loyalty step.
                customer = customer_of_card(number=data["card"])
            extra = {}
            if data["card"]:
                extra["card_number"] = data["card"]
            if data.get("points_redeemed") is not None:
                extra["points_to_redeem"] = data["points_redeemed"]
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
                extra=extra,
            )
            sale.api_lines = list(SalesLine.objects.filter(document=sale).select_related("product").order_by("pk"))
            sale.api_points = None
            if customer is not None:
                customer_figures_refresh(customer)
                sale.api_points = sale_points(sale=sale, balance=customer.api_points_balance)
            return 201, SaleOutSerializer(sale).data

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
            data = _validated(ReturnInSerializer, body)
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
            )
            return_document.api_lines = list(
                ReturnLine.objects.filter(return_document=return_document)
                .select_related("sale_line__product")
                .order_by("pk")
            )
            customer = _customer_for(sale.customer_id)
            return_document.customer = customer
            return_document.api_points = None
            if customer is not None:
                customer_cards_attach(customer)
                return_document.api_points = return_points(
                    return_document=return_document, balance=customer.api_points_balance
                )
            return 201, ReturnOutSerializer(return_document).data

        return self.write(request, perform)


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


class RedeemableView(PosApiView):
    @api_schema(
        operation_id="customer_redeemable",
        summary="How many points may pay a receipt",
        description="A read. The most points the customer may pay a receipt of `total` with: bound "
        "by the balance and by the programme's largest share of a receipt.",
        parameters=[
            OpenApiParameter(
                "total", str, OpenApiParameter.QUERY, required=True, description="The receipt's total, e.g. 12.50."
            )
        ],
        responses={200: RedeemableOutSerializer, **CUSTOMER_NOT_FOUND, **ERROR_RESPONSES},
    )
    def get(self, request, customer_id: int):
        customer = _customer_or_404(customer_id)
        data = _validated(RedeemableInSerializer, request.query_params)
        return Response(RedeemableOutSerializer(customer_redeemable(customer=customer, total=data["total"])).data)


class PointsAdjustmentsView(PosApiView):
    @api_schema(
        operation_id="points_adjust",
        summary="Adjust a customer's points (or give bonus points)",
        description="On behalf of the cashier signed in at the till (`staff_username`), who needs the "
        "right “May adjust loyalty points”: else 403 `permission_denied`, and nothing is written.",
        request=PointsAdjustmentInSerializer,
        responses={
            201: PointsAdjustmentOutSerializer,
            403: OpenApiResponse(
                ErrorSerializer, description="permission_denied: no such active staff user, or without the right"
            ),
            **CUSTOMER_NOT_FOUND,
            **WRITE_ERROR_RESPONSES,
        },
    )
    def post(self, request, customer_id: int):
        terminal = request.auth

        def perform(body):
            data = _validated(PointsAdjustmentInSerializer, body)
            customer = _customer_or_404(customer_id)
            staff = staff_for_till(username=data["staff_username"])
            if staff is None:
                raise DjangoPermissionDenied(
                    _(
                        "No active staff user “%(username)s” at this retailer: points are adjusted by a "
                        "signed-in staff member with the right “May adjust loyalty points”."
                    )
                    % {"username": data["staff_username"]}
                )
            entry = points_adjust(
                customer=customer,
                points=data["points"],
                reason=data["reason"],
                acting_user=staff,
                kind=data["kind"],
                source=PointsEntry.Source.TILL,
                terminal=terminal,
                store=terminal.store,
            )
            return 201, PointsAdjustmentOutSerializer(entry).data

        return self.write(request, perform)


class PricesView(PosApiView):
    @api_schema(
        operation_id="customer_prices",
        summary="What the customer pays today",
        description="A read: it writes nothing, so it needs no client_id.",
        request=PricesInSerializer,
        responses={200: PricesOutSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        data = _validated(PricesInSerializer, request.data)
        customer = _customer_for(data.get("customer_id"))
        codes = list(dict.fromkeys(data["products"]))
        products = products_by_code(codes)
        unknown = [code for code in codes if code not in products]
        if unknown:
            raise DjangoValidationError(
                {"products": [_("No active product with the code “%(code)s”.") % {"code": code} for code in unknown]}
            )
        # The date the sales service prices a sale of now by.
        today = timezone.now().date()
        prices = customer_prices(
            customer=customer,
            products=list({product.pk: product for product in products.values()}.values()),
            today=today,
        )
        return Response(
            PricesOutSerializer(
                {
                    "customer_id": customer.pk if customer else None,
                    "date": today,
                    "prices": [
                        {
                            "code": code,
                            "product": products[code],
                            "list_price": prices[products[code].pk].list_price,
                            "price": prices[products[code].pk].price,
                            "discount_source": prices[products[code].pk].source,
                            "price_list": prices[products[code].pk].price_list,
                        }
                        for code in codes
                    ],
                }
            ).data
        )


# --- schema and docs -------------------------------------------------------------------------------


SCHEMA_SETTINGS = {
    "TITLE": API_TITLE,
    "DESCRIPTION": "The till's API. Authenticate with `Authorization: Bearer <terminal token>`; "
    "every write carries a `client_id`. See docs/api.md.",
    "VERSION": API_VERSION,
    "COMPONENT_SPLIT_REQUEST": True,
}


class PosSchemaView(SpectacularAPIView):
    """OpenAPI 3 schema of the till's API (YAML, or JSON with `?format=json` or by Accept)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    custom_settings = SCHEMA_SETTINGS
    # drf-spectacular's system check builds a schema of every view of the site, these included.
    schema = AutoSchema()

    @api_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        # Only the API's own endpoints, under the prefix the site mounts them at: no other view
        # of the site (DRF's or not) can get into the schema or break it.
        from pos.urls import api_v1_patterns

        prefix = reverse("pos:sales").removesuffix("v1/sales/").lstrip("/")
        self.patterns = [path(prefix, include((api_v1_patterns, "pos")))]
        return super().get(request, *args, **kwargs)


class PosDocsView(SpectacularSwaggerView):
    """Swagger UI over the schema, from files served by this site (never a CDN)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    title = API_TITLE
    schema = AutoSchema()

    @api_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"pos/swagger-ui/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("pos/swagger-ui/favicon-32x32.png")


def not_found_view(request, *args, **kwargs):
    """Any other path under the API: a 404 in the API's error format, not an HTML page."""
    return JsonResponse(
        {"code": "not_found", "message": _("No endpoint at %(path)s.") % {"path": request.path}, "fields": {}},
        status=404,
    )
