"""Customers at the till: finding one, creating one, the points that may pay a receipt, and a
cashier's adjustment of points."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions
from rest_framework.response import Response

from customers.selectors.lookup import customer_find, customer_lookups, customer_not_found_message
from customers.services.till import till_customer_create
from loyalty.models import PointsEntry
from loyalty.selectors.card_lookup import till_customer_get
from loyalty.selectors.redemption import customer_redeemable
from loyalty.services.ledger import points_adjust
from pos import errors
from pos.serializers import (
    CustomerCreateInSerializer,
    CustomerOutSerializer,
    ErrorSerializer,
    PointsAdjustmentInSerializer,
    PointsAdjustmentOutSerializer,
    RedeemableInSerializer,
    RedeemableOutSerializer,
)
from pos.views.base import (
    CUSTOMER_NOT_FOUND,
    ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    PosApiView,
    api_schema,
    customer_or_404,
    validated,
)
from staff.selectors import staff_for_till


class CustomersView(PosApiView):
    @api_schema(
        operation_id="customer_find",
        summary="Find a customer",
        description="Give exactly one of the query parameters.",
        parameters=[
            OpenApiParameter(lookup.name, str, OpenApiParameter.QUERY, description=str(lookup.description))
            for lookup in customer_lookups
        ],
        responses={
            200: CustomerOutSerializer,
            404: OpenApiResponse(ErrorSerializer, description="not_found"),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        names = list(customer_lookups.keys())
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
        return Response(CustomerOutSerializer(till_customer_get(customer_id=customer.pk)).data)

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
            data = validated(CustomerCreateInSerializer, body)
            customer = till_customer_create(
                tenant=request.tenant,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                email=data["email"],
            )
            return 201, CustomerOutSerializer(till_customer_get(customer_id=customer.pk)).data

        return self.write(request, perform)


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
        customer = customer_or_404(customer_id)
        data = validated(RedeemableInSerializer, request.query_params)
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
            data = validated(PointsAdjustmentInSerializer, body)
            customer = customer_or_404(customer_id)
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
