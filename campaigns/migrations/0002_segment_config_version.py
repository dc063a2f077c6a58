"""Changes of the segments bump the retailer's configuration version (crm.tenant_config), so that
the customer list's choice of segments is built again."""

from django.db import migrations

from crm.tenant_config import config_version_triggers

TRIGGERS, TRIGGERS_DROP = config_version_triggers("campaigns_segment")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial"), ("customers", "0007_config_version")]

    operations = [migrations.RunSQL(TRIGGERS, TRIGGERS_DROP)]
