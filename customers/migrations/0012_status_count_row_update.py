"""The kept counts follow a status change with a row trigger on the status column, so that the
till's UPDATE of the purchase figures fires nothing (customers.counts.ROW_UPDATE_SQL)."""

from django.db import migrations

from customers.counts import ROW_UPDATE_DROP_SQL, ROW_UPDATE_SQL


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_email_upper_index")]

    operations = [migrations.RunSQL(ROW_UPDATE_SQL, ROW_UPDATE_DROP_SQL)]
