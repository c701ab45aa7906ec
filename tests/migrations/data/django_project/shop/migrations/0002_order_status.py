import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField("order", "status", models.CharField(max_length=20, default="new")),
        migrations.AddField(
            "order", "coupon",
            models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.coupon"),
        ),
        migrations.AlterField("customer", "email", models.EmailField(max_length=320, unique=True)),
        migrations.AddIndex("order", models.Index(fields=["placed_at"], name="shop_order_placed_idx")),
    ]
