"""Sending an SMS: a small backend interface, chosen by settings.SMS_BACKEND (a dotted path).

    ConsoleSmsBackend   prints each message (the default, as Django's console e-mail backend)
    FileSmsBackend      appends each message as a JSON line to settings.SMS_FILE_PATH
    TwilioSmsBackend    Twilio's Messages API over HTTPS (settings.SMS_TWILIO_*), docs/campaigns.md

A backend raises SmsError when a message certainly did not go (refused); any other exception
means it may have gone, and the message is never sent again."""

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The provider refused the message: it did not go."""


class SmsBackend:
    def send(self, *, to: str, text: str, sender: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, to, text, sender):
        sys.stdout.write(f"SMS from {sender} to {to}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()


class FileSmsBackend(SmsBackend):
    def send(self, *, to, text, sender):
        line = json.dumps({"to": to, "from": sender, "text": text, "at": timezone.now().isoformat()})
        with open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class TwilioSmsBackend(SmsBackend):
    """POST to Twilio's Messages resource with the account's SID and token (basic auth)."""

    def send(self, *, to, text, sender):
        account, token = settings.SMS_TWILIO_ACCOUNT_SID, settings.SMS_TWILIO_AUTH_TOKEN
        url = f"{settings.SMS_TWILIO_API_URL}/2010-04-01/Accounts/{account}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": settings.SMS_TWILIO_FROM or sender, "Body": text}).encode()
        request = urllib.request.Request(url, data=data, method="POST")
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if 400 <= error.code < 500:
                raise SmsError(f"{error.code}: {error.read()[:200].decode(errors='replace')}") from None
            raise


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
