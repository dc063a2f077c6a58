"""Folding the kept counts of customers per status (customers.models.StatusCount)."""

from django.db import connection, transaction

from customers.models import StatusCount


def status_counts_fold() -> int:
    """Replace the appended rows of the counts by one row per status, their sum; returns how many
    rows were folded. Rows other transactions append meanwhile are not in this statement's
    snapshot: they stay, and the sums stay exact."""
    table = StatusCount._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"WITH folded AS (DELETE FROM {table} RETURNING status, count) "
            f"INSERT INTO {table} (status, count) SELECT status, sum(count) FROM folded GROUP BY status "
            "HAVING sum(count) <> 0 ORDER BY status"
        )
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]
