import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_list_order_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                django.db.models.functions.datetime.ExtractMonth("birth_date"),
                django.db.models.functions.datetime.ExtractDay("birth_date"),
                name="customer_birthday_idx",
            ),
        ),
    ]
