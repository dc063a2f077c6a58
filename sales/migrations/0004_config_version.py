"""Changes of the product groups and price lists bump the retailer's configuration version
(crm.tenant_config), so the till's cached copy of them is rebuilt."""

from django.db import migrations

from crm.tenant_config import config_version_triggers

TRIGGERS, TRIGGERS_DROP = config_version_triggers(
    "sales_productgroup", "sales_pricelist", "sales_pricelistitem", "sales_grouppricelist"
)


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_salesevent"), ("customers", "0007_config_version")]

    operations = [migrations.RunSQL(TRIGGERS, TRIGGERS_DROP)]
