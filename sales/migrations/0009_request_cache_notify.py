"""Changes of the stores and terminals tell the web processes to read a till's terminal again
(crm.request_cache). A terminal's `last_used_at`, which the till's requests write once a minute,
is left out: it changes nothing the processes keep."""

from django.db import migrations

from crm.request_cache import FUNCTION_DROP_SQL, FUNCTION_SQL, notify_triggers

TERMINAL_COLUMNS = ("id", "store_id", "name", "token_hash", "token_prefix", "is_active", "revoked_at", "created_at")
TRIGGERS = [notify_triggers("sales_store"), notify_triggers("sales_terminal", update_of=TERMINAL_COLUMNS)]


class Migration(migrations.Migration):
    dependencies = [("sales", "0008_salesline_product_cover")]

    operations = [
        migrations.RunSQL(FUNCTION_SQL, FUNCTION_DROP_SQL),
        *(migrations.RunSQL(forward, backward) for forward, backward in TRIGGERS),
    ]
