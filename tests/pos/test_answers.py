"""The till's answers: serializers whose fields are made once per class give each answer its own
values, in the zone active when it is shown; the rate limit counts per retailer."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos.serializers.outputs import PurchaseFiguresOutSerializer
from pos.throttling import TerminalRateThrottle
from tests.factories import TerminalFactory


class _Figures:
    def __init__(self, count: int, total: str, last_at: datetime.datetime):
        self.purchase_count = count
        self.purchase_total = Decimal(total)
        self.first_purchase_at = self.last_purchase_at = last_at
        self.return_count = 0


def test_answers_of_one_class_share_fields_but_never_values_or_zones():
    moment = datetime.datetime(2026, 6, 1, 9, 30, tzinfo=datetime.UTC)
    first = PurchaseFiguresOutSerializer(_Figures(3, "30.00", moment))
    second = PurchaseFiguresOutSerializer(_Figures(0, "0.00", moment))
    assert first.fields is second.fields
    # Bound to a serializer of no answer: neither answer's data stays behind in the process.
    assert first.fields["count"].parent.instance is None
    with timezone.override(zoneinfo.ZoneInfo("Europe/Tallinn")):
        assert first.data["average"] == "10.00"
        assert first.data["last_at"] == "2026-06-01T12:30:00+03:00"
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert second.data["average"] is None
        assert second.data["last_at"] == "2026-06-01T05:30:00-04:00"
        assert (second.data["count"], second.data["total"]) == (0, "0.00")


@pytest.mark.django_db
def test_the_rate_limit_counts_each_retailers_terminal_apart(alpha, beta, shop, till_api, monkeypatch):
    monkeypatch.setattr(TerminalRateThrottle, "rate", "2/day")
    with tenant_context(beta.tenant):
        # The same id as alpha's terminal: only the retailer tells the two counts apart.
        TerminalFactory(pk=shop.terminal.pk, token="beta-till-token-0001")
    assert [shop.api.get("customers/", {"code": "1"}).status_code for _ in range(3)] == [404, 404, 429]
    beta_api = till_api(beta.host, "beta-till-token-0001")
    assert [beta_api.get("customers/", {"code": "1"}).status_code for _ in range(2)] == [404, 404]


@pytest.mark.django_db
def test_without_redis_the_till_is_answered_uncounted_and_redis_is_left_alone_a_while(shop, monkeypatch, caplog):
    import socket

    import redis

    from crm import redis_client
    from pos import throttling

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setattr(redis_client, "_client", redis.Redis(port=port, socket_connect_timeout=0.5))
    monkeypatch.setattr(throttling, "_skip_until", 0.0)
    monkeypatch.setattr(TerminalRateThrottle, "rate", "1/day")
    assert [shop.api.get("customers/", {"code": "1"}).status_code for _ in range(3)] == [404, 404, 404]
    warnings = [record for record in caplog.records if "rate limit is not counted" in record.getMessage()]
    assert len(warnings) == 1  # the first request tried Redis; the next two did not
    assert throttling._skip_until > 0
    # Redis back and the pause over: counted again (the day's one request, then refused).
    monkeypatch.undo()
    monkeypatch.setattr(throttling, "_skip_until", 0.0)
    monkeypatch.setattr(TerminalRateThrottle, "rate", "1/day")
    assert [shop.api.get("customers/", {"code": "1"}).status_code for _ in range(2)] == [404, 429]
