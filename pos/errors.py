"""Every error of the till's API as one JSON shape: `{"code", "message", "fields"}`.

`code` is a fixed word a till can branch on, `message` a sentence a cashier can read (in the
request's language), `fields` the messages per field of the body (`lines.0.quantity` for a field
of a line), empty when the error is not about a field.
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response

from tariffs.selectors import PlanLimitReached

logger = logging.getLogger(__name__)

NON_FIELD = "non_field_errors"


class ClientIdReused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("This client_id was already used for a different request.")
    default_code = "client_id_reused"


class PlanLimit(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "plan_limit"


def error_response(*, status_code: int, code: str, message: str, fields: dict | None = None, headers=None):
    return Response({"code": code, "message": message, "fields": fields or {}}, status=status_code, headers=headers)


def _flatten(detail, path: str, into: dict[str, list[str]]) -> None:
    """DRF's nested error detail as {"lines.0.quantity": ["…"]}."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD if key in (NON_FIELD, NON_FIELD_ERRORS) and not path else str(key)
            _flatten(value, f"{path}.{name}" if path else name, into)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            if detail:
                into.setdefault(path or NON_FIELD, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                _flatten(item, f"{path}.{index}", into)
    else:
        into.setdefault(path or NON_FIELD, []).append(str(detail))


def _fields_message(fields: dict[str, list[str]], *, name_fields: bool) -> str:
    """All messages in one sentence; a serializer's messages ("This field is required.") get the
    field's name in front, a service's messages already say what they are about."""
    parts = []
    for name, messages in fields.items():
        for message in messages:
            parts.append(f"{name}: {message}" if name_fields and name != NON_FIELD else message)
    return " ".join(parts)


def _django_validation_fields(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD if name == NON_FIELD_ERRORS else name): list(messages)
            for name, messages in error.message_dict.items()
        }
    return {}


def exception_handler(exc, context):
    """DRF's exception handler for the API's views (see PosApiView.get_exception_handler)."""
    if isinstance(exc, PlanLimitReached):
        return error_response(status_code=422, code="plan_limit", message=" ".join(exc.messages))
    if isinstance(exc, DjangoPermissionDenied):
        # A service's refusal of who acts (a cashier without the right "may adjust loyalty
        # points"): its message says which right is missing.
        return error_response(
            status_code=403,
            code="permission_denied",
            message=" ".join(str(arg) for arg in exc.args) or _("You are not allowed to do this."),
        )
    if isinstance(exc, DjangoValidationError):
        fields = _django_validation_fields(exc)
        message = _fields_message(fields, name_fields=False) if fields else " ".join(exc.messages)
        return error_response(status_code=400, code="invalid", message=message, fields=fields)
    if isinstance(exc, DataError):
        # A number past what a column holds (a quantity of a billion times a price of a billion).
        return error_response(status_code=400, code="invalid", message=_("A number in the request is too large."))
    if isinstance(exc, IntegrityError):
        # A database constraint refused the write (the sales table's own client_id uniqueness,
        # say, once the stored answer was purged): nothing was written.
        logger.warning("POS API write refused by a constraint: %s", exc)
        return error_response(
            status_code=409, code="conflict", message=_("The request conflicts with data already recorded.")
        )
    if isinstance(exc, Http404):
        return error_response(status_code=404, code="not_found", message=str(exc) or _("Not found."))
    if isinstance(exc, exceptions.ParseError):
        detail = str(exc.detail).removeprefix("JSON parse error - ")
        return error_response(
            status_code=400,
            code="malformed_json",
            message=_("The body is not valid JSON: %(error)s.") % {"error": detail.rstrip(".")},
        )
    if isinstance(exc, exceptions.ValidationError):
        fields: dict[str, list[str]] = {}
        _flatten(exc.detail, "", fields)
        return error_response(
            status_code=400, code="invalid", message=_fields_message(fields, name_fields=True), fields=fields
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        code = exc.get_codes() if isinstance(exc.detail, str) else exc.default_code
        if isinstance(exc, exceptions.Throttled):
            code = "throttled"
        return error_response(
            status_code=exc.status_code, code=str(code), message=str(exc.detail), headers=headers or None
        )
    # Anything else is a fault of ours: say so in JSON, log it, and let the test client and
    # error reporting see it as Django's own handler would.
    request = context.get("request")
    logger.error("POS API error", exc_info=exc)
    got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    return error_response(
        status_code=500, code="server_error", message=_("Something went wrong on our side; try again.")
    )
