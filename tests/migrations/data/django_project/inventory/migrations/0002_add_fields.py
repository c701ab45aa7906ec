import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("shop", "0002_order_status")]
    operations = [
        migrations.AddField("item", "note", models.TextField(blank=True)),
        migrations.AddField("item", "status", models.CharField(max_length=10, default="new")),
        migrations.AddField("item", "weight", models.IntegerField(null=True)),
        migrations.AddField(
            "item", "coupon",
            models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.coupon"),
        ),
        migrations.AddField("item", "label", models.CharField(max_length=20, null=True, db_index=True)),
    ]
