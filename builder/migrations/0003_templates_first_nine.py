"""The first nine shipped templates (0002 ran before they existed on databases migrated early)."""

from __future__ import annotations

from django.db import migrations

from builder.templates_sync import load_templates_migration


class Migration(migrations.Migration):
    dependencies = [("builder", "0002_shipped_templates")]

    operations = [migrations.RunPython(load_templates_migration, migrations.RunPython.noop)]
