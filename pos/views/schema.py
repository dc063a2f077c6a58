"""The API's OpenAPI schema, its docs, and the API's answer to a path it does not have."""

from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from pos.views.base import api_schema

API_TITLE = "Regulars POS API"
API_VERSION = "1.0.0"

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
