"""Kept counts of customers per status (customers.models.StatusCount), filled from the customers
as they are and kept by statement triggers from then on (customers.counts)."""

from django.db import migrations, models

from customers.counts import FUNCTION_DROP_SQL, FUNCTION_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_birthday_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[("introduced", "Introduced"), ("control", "Control"), ("archived", "Archived")],
                        max_length=12,
                    ),
                ),
                ("count", models.BigIntegerField()),
            ],
            options={
                "indexes": [models.Index(fields=["status"], name="status_count_status_idx")],
            },
        ),
        migrations.RunSQL(FUNCTION_SQL, FUNCTION_DROP_SQL),
    ]
