"""The parameter forms' defaults."""

import datetime
import zoneinfo

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from tenants.models import Tenant


@pytest.mark.django_db
def test_the_default_period_ends_on_the_retailers_own_day(alpha, tenant_client):
    """Whatever the hour, one of these two zones is on another day than the server's clock (UTC):
    the form's default period ends today where the retailer is."""
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        connection.set_schema_to_public()
        Tenant.objects.filter(pk=alpha.tenant.pk).update(time_zone=zone)
        response = tenant_client(alpha, alpha.admin).get("/reports/loyalty-points/")
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(zone))
        form = response.context["form"]
        assert form["date_to"].value() == today, zone
        assert form["date_from"].value() == today - relativedelta(months=12) + datetime.timedelta(days=1), zone
