from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0006_sale_number_idx")]

    operations = [
        migrations.AddField(
            model_name="historyimport",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
