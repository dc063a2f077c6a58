from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0014_analyze_expression_indexes")]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
