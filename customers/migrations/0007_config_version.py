"""The retailer's configuration version (crm.tenant_config): its sequence, table and trigger
function, and the trigger on the customer groups (the till reads their tree on every sale)."""

from django.db import migrations

from crm.tenant_config import FUNCTION_DROP_SQL, FUNCTION_SQL, config_version_triggers

TRIGGERS, TRIGGERS_DROP = config_version_triggers("customers_customergroup")


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_importbatch_started_by")]

    operations = [migrations.RunSQL(FUNCTION_SQL + TRIGGERS, TRIGGERS_DROP + FUNCTION_DROP_SQL)]
