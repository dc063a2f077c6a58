"""Changes of retailers and their domains tell the web processes to read them again
(crm.request_cache)."""

from django.db import migrations

from crm.request_cache import FUNCTION_DROP_SQL, FUNCTION_SQL, notify_triggers

TRIGGERS = [notify_triggers("tenants_tenant"), notify_triggers("tenants_domain")]


class Migration(migrations.Migration):
    dependencies = [("tenants", "0003_currency_time_zone")]

    operations = [
        migrations.RunSQL(FUNCTION_SQL, FUNCTION_DROP_SQL),
        *(migrations.RunSQL(forward, backward) for forward, backward in TRIGGERS),
    ]
