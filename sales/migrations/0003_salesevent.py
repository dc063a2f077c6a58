import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0002_percent_label'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SalesEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('store_created', 'Store added'), ('store_changed', 'Store changed'), ('terminal_created', 'Terminal added'), ('terminal_rotated', 'Terminal given a new token'), ('terminal_revoked', 'Terminal revoked'), ('price_list_created', 'Price list added'), ('price_list_changed', 'Price list changed'), ('price_list_deleted', 'Price list deleted'), ('price_list_item_added', 'Special price added'), ('price_list_item_changed', 'Special price changed'), ('price_list_item_removed', 'Special price removed'), ('product_created', 'Product added'), ('product_changed', 'Product changed')], max_length=30, verbose_name='what')),
                ('changes', models.JSONField(blank=True, default=dict, verbose_name='changes')),
                ('occurred_at', models.DateTimeField(auto_now_add=True, verbose_name='when')),
                ('acting_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('price_list', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='events', to='sales.pricelist')),
                ('product', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='sales.product')),
                ('store', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='sales.store')),
                ('terminal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='sales.terminal')),
            ],
            options={
                'verbose_name': 'sales settings event',
                'verbose_name_plural': 'sales settings events',
                'ordering': ['-occurred_at', '-id'],
                'indexes': [models.Index(fields=['store', '-occurred_at'], name='sales_event_store_idx'), models.Index(fields=['price_list', '-occurred_at'], name='sales_event_price_list_idx'), models.Index(fields=['product', '-occurred_at'], name='sales_event_product_idx')],
            },
        ),
    ]
