import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Warehouse",
            fields=[
                ("id", models.AutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
                ("code", models.SlugField(unique=True)),
                ("opened", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("sku", models.CharField(max_length=32, unique=True)),
                ("qty", models.PositiveIntegerField(default=0)),
                ("price", models.DecimalField(max_digits=10, decimal_places=2)),
                ("warehouse", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="inventory.warehouse")),
                ("stores", models.ManyToManyField(related_name="stocked", to="inventory.warehouse")),
            ],
            options={
                "indexes": [models.Index(fields=["price"], name="inv_item_price_idx")],
                "constraints": [models.CheckConstraint(condition=models.Q(price__gte=0), name="inv_item_price_pos")],
            },
        ),
    ]
