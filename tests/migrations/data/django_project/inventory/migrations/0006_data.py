from django.db import migrations, models


def mark_legacy(apps, schema_editor):
    # Never run by the check: the migration is read, not imported.
    apps.get_model("inventory", "Item").objects.filter(status="new").update(status="old")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0005_concurrently")]
    operations = [
        migrations.RunSQL("SET lock_timeout = '3s'", reverse_sql=migrations.RunSQL.noop),
        migrations.AddField("item", "legacy", models.BooleanField(default=False)),
        migrations.RunPython(mark_legacy, migrations.RunPython.noop),
        migrations.RunSQL(
            [("UPDATE inventory_item SET legacy = %s WHERE qty = 0", [True])],
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField("item", "comment")],
            database_operations=[],
        ),
    ]
