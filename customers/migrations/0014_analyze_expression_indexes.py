"""Statistics for the expression indexes of 0011 (UPPER(email)) and 0013 (UPPER(number)).

PostgreSQL keeps statistics of an index's expression only from the next ANALYZE, which
autovacuum starts after a tenth of the table has changed: on a directory of a million customers
that can be weeks. Until then the planner guesses 0.5 % of the rows for `UPPER(number) = …`,
and the list's search (phone OR number) walked the whole "newest first" index for one customer
(1.1 s on a million, 10 ms with the statistics). Analysed here, in the migration that follows
the indexes, for every retailer's schema."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("customers", "0013_customer_number")]

    operations = [migrations.RunSQL("ANALYZE customers_customer", migrations.RunSQL.noop)]
