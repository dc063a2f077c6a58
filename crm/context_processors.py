from django.conf import settings

from crm.navigation import navigation_for


def backoffice(request) -> dict:
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    context = {"tenant": tenant, "languages": settings.LANGUAGES}
    if tenant is not None and not tenant.is_public and user is not None and user.is_authenticated:
        context["navigation"] = navigation_for(user, request.path)
    return context
