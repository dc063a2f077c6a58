"""The retailer's own customer number: optional, unique among the customers that have one,
whatever its case. The unique index is on UPPER(number) WHERE NOT number = '': the B-tree of
every look-up by number (customers.models.CustomerQuerySet.number_q). On an existing table the
column comes with a constant default (no rewrite) and the index is built over no rows, since
no customer has a number yet."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_status_count_row_update")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="number",
            field=models.CharField(
                blank=True,
                help_text="Your own number of the customer, e.g. from your previous system or a printed card.",
                max_length=40,
                verbose_name="customer number",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Upper("number"),
                condition=models.Q(("number", ""), _negated=True),
                name="customer_number_unique",
            ),
        ),
    ]
