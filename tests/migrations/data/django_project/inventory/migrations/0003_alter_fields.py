from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_add_fields")]
    operations = [
        migrations.AlterField("item", "sku", models.CharField(max_length=64, unique=True)),
        migrations.AlterField("item", "weight", models.BigIntegerField(null=True)),
        migrations.AlterField("warehouse", "name", models.CharField(max_length=100, null=True)),
        migrations.AlterField("item", "label", models.CharField(max_length=20, default="", db_index=True)),
        migrations.RenameField("item", "note", "comment"),
    ]
