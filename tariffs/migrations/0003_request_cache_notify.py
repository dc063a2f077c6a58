"""Changes of the plans tell the web processes to read the retailers (with their plans) again
(crm.request_cache)."""

from django.db import migrations

from crm.request_cache import notify_triggers

FORWARD, BACKWARD = notify_triggers("tariffs_tariffplan")


class Migration(migrations.Migration):
    dependencies = [("tariffs", "0002_report_period"), ("tenants", "0004_request_cache_notify")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
