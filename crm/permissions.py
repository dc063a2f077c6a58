from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def right_required(right: str):
    """Let the view run only for a logged-in user holding `right` (403 otherwise).

    The check is made for every request, htmx partials included, never only in a template.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(f"staff.{right}"):
                raise PermissionDenied(f"the right “{right}” is needed")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
