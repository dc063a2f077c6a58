"""Changes of the programme, its tiers and its earning rules (with their stores and customer
groups) bump the retailer's configuration version (crm.tenant_config), so the till's cached
copy of them is rebuilt."""

from django.db import migrations

from crm.tenant_config import config_version_triggers

TRIGGERS, TRIGGERS_DROP = config_version_triggers(
    "loyalty_programme",
    "loyalty_programme_no_earning_groups",
    "loyalty_tier",
    "loyalty_earningrule",
    "loyalty_earningrule_stores",
    "loyalty_earningrule_customer_groups",
)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0004_loyalty_events"), ("customers", "0007_config_version")]

    operations = [migrations.RunSQL(TRIGGERS, TRIGGERS_DROP)]
