from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_tenantevent_details_changed"),
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
                    ("currency_tz_changed", "Currency and time zone changed"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="tenant",
            constraint=models.CheckConstraint(
                condition=models.Q(currency__regex="^[A-Z]{3}$"), name="tenant_currency_is_a_code"
            ),
        ),
    ]
