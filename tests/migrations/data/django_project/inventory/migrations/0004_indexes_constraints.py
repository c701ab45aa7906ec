from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_alter_fields")]
    operations = [
        migrations.AddIndex("item", models.Index(fields=["status", "-qty"], name="inv_item_status_qty")),
        migrations.RemoveIndex("item", "inv_item_price_idx"),
        migrations.RenameIndex("item", new_name="inv_item_state_qty", old_name="inv_item_status_qty"),
        migrations.AddConstraint("item", models.UniqueConstraint(fields=["warehouse", "sku"], name="inv_item_wh_sku")),
        migrations.RemoveConstraint("item", "inv_item_price_pos"),
        migrations.AlterUniqueTogether("warehouse", {("name", "code")}),
        migrations.AddConstraint("item", models.CheckConstraint(condition=models.Q(qty__lte=100000), name="inv_item_qty_max")),
    ]
