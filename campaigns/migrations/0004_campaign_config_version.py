"""Changes of the campaigns bump the retailer's configuration version (crm.tenant_config), so that
the till's list of campaign offers open now is built again."""

from django.db import migrations

from crm.tenant_config import config_version_triggers

TRIGGERS, TRIGGERS_DROP = config_version_triggers("campaigns_campaign")


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_campaigns")]

    operations = [migrations.RunSQL(TRIGGERS, TRIGGERS_DROP)]
