"""Ship the templates in builder/templates_data/ (a later template change adds a migration like this)."""

from __future__ import annotations

from django.db import migrations

from builder.templates_sync import load_templates_migration


class Migration(migrations.Migration):
    dependencies = [("builder", "0001_initial")]

    operations = [migrations.RunPython(load_templates_migration, migrations.RunPython.noop)]
