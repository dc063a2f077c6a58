"""A till authenticates with its terminal's token: `Authorization: Bearer <token>`.

Only the token's sha256 is stored (`Terminal.token_hash`). The request has been routed to the
retailer's schema by its host name before this runs, so a token of one retailer is simply
unknown at another.
"""

import datetime

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from sales.models import Terminal
from sales.selectors.terminals import terminal_of_token

# How stale `last_used_at` may get before a request writes it again: one write a minute per
# terminal at most, not one per sale.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
KEYWORD = b"bearer"
# When this process last wrote a terminal's `last_used_at`: (schema, terminal id) → time.
_touched: dict[tuple[str, int], datetime.datetime] = {}


class TerminalPrincipal:
    """`request.user` of an API request: the terminal, which is not a staff user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def __init__(self, terminal: Terminal):
        self.terminal = terminal
        self.pk = self.id = None

    def __str__(self) -> str:
        return str(self.terminal)


class TerminalTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Bearer <token>”."), code="invalid_token"
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("The token is not valid."), code="invalid_token") from error
        terminal = terminal_of_token(token=token)
        if terminal is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid."), code="invalid_token")
        if not terminal.is_active:
            raise exceptions.AuthenticationFailed(
                _("The terminal's token was revoked; ask the back office for a new one."), code="token_revoked"
            )
        self._last_used_touch(terminal)
        return TerminalPrincipal(terminal), terminal

    @staticmethod
    def _last_used_touch(terminal: Terminal) -> None:
        now = timezone.now()
        # The row may have been read a while ago (crm.request_cache): this process's own last
        # write counts too.
        key = (connection.schema_name, terminal.pk)
        last_used_at = max(filter(None, (terminal.last_used_at, _touched.get(key))), default=None)
        if last_used_at is not None and last_used_at > now - LAST_USED_PRECISION:
            terminal.last_used_at = last_used_at
            return
        # The condition makes concurrent requests of one terminal write it once between them.
        Terminal.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_PRECISION), pk=terminal.pk
        ).update(last_used_at=now)
        terminal.last_used_at = _touched[key] = now

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without a valid token.
        return 'Bearer realm="api"'


class IsTerminal(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Terminal)


class TerminalTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema (and the Swagger UI's Authorize button) describes the token."""

    target_class = TerminalTokenAuthentication
    name = "terminalToken"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")
