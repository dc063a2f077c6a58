"""Filters of the log configuration (crm/settings/base.py LOGGING)."""

import logging


class RefusalFilter(logging.Filter):
    """A refused request (a 403 from PermissionDenied) is expected, not a fault: Django logs it on
    `django.request` with the exception's traceback; here it becomes one line that says who was
    refused which path and why."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403 or not record.exc_info:
            return True
        exception = record.exc_info[1]
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        who = user.get_username() if user is not None and user.is_authenticated else "an anonymous visitor"
        record.msg = "Refused %s to %s: %s"
        record.args = (getattr(request, "path", "?"), who, str(exception) or "permission denied")
        record.exc_info = None
        record.exc_text = None
        return True
