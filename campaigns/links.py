"""The signed unsubscribe link of a campaign's message: it names the retailer, the customer and
the channel, so that the customer withdraws that consent without logging in; it cannot be made
for another customer without the server's secret."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "campaigns.unsubscribe"


def unsubscribe_token(*, schema: str, customer_id: int, channel: str) -> str:
    return signing.dumps([schema, customer_id, channel], salt=SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[str, int, str] | None:
    """(schema, customer id, channel) of a token, or None when it was not signed here."""
    try:
        schema, customer_id, channel = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(customer_id, int) or not isinstance(schema, str) or not isinstance(channel, str):
        return None
    return schema, customer_id, channel


def unsubscribe_url(*, domain: str, schema: str, customer_id: int, channel: str) -> str:
    """The absolute address of the link on the retailer's own domain."""
    token = unsubscribe_token(schema=schema, customer_id=customer_id, channel=channel)
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    path = reverse("campaigns:unsubscribe", kwargs={"token": token})
    return f"{settings.SITE_SCHEME}://{domain}{port}{path}"
