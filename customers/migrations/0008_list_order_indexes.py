from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_config_version")]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["-created_at", "-id"], name="customer_newest_idx"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["last_name", "first_name", "company_name", "id"], name="customer_name_order_idx"),
        ),
    ]
