"""An index on the documents' numbers for the sales history import's look-up of the numbers a
chunk already has (a sequential scan of every document without it: 0.66 s on L's 4 million).

A plain AddIndex, not AddIndexConcurrently: a new retailer's schema is migrated inside the
transaction that creates it, where a concurrent build cannot run. On a retailer with millions of
documents the build holds back writes to the documents for its few seconds (4 s on L)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0005_history_import")]

    operations = [
        migrations.AddIndex(
            model_name="salesdocument",
            index=models.Index(fields=["number", "store"], name="sale_number_idx"),
        ),
    ]
