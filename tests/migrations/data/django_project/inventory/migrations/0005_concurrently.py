from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    RemoveIndexConcurrently,
    ValidateConstraint,
)
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("inventory", "0004_indexes_constraints")]
    operations = [
        AddIndexConcurrently("item", models.Index(fields=["weight"], name="inv_item_weight_idx")),
        RemoveIndexConcurrently("item", "inv_item_state_qty"),
        AddConstraintNotValid("item", models.CheckConstraint(condition=models.Q(weight__gte=0), name="inv_item_weight_pos")),
        ValidateConstraint("item", "inv_item_weight_pos"),
    ]
