from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_data")]
    operations = [
        migrations.RemoveField("item", "label"),
        migrations.RenameModel("Warehouse", "Depot"),
        migrations.AlterModelTable("item", "inventory_stock_item"),
        migrations.RemoveField("item", "stores"),
        migrations.RemoveConstraint("item", "inv_item_wh_sku"),
        migrations.RemoveField("item", "warehouse"),
        migrations.DeleteModel("Depot"),
    ]
