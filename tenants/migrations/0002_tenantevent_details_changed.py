from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tenantevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("plan_changed", "Plan changed"),
                    ("suspended", "Suspended"),
                    ("reactivated", "Reactivated"),
                    ("details_changed", "Details changed"),
                ],
                max_length=20,
            ),
        ),
    ]
