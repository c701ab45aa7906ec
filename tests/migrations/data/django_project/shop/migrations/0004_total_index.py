from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_status_index")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY shop_order_total_idx ON shop_order (total);",
            reverse_sql="DROP INDEX CONCURRENTLY shop_order_total_idx;",
        ),
    ]
