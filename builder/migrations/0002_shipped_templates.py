"""Ship the templates in builder/templates_data/ (a later template change adds a migration like this)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def load_templates(apps: Any, schema_editor: Any) -> None:
    from builder.templates_sync import templates_sync

    templates_sync(apps.get_model("builder", "Template"))


class Migration(migrations.Migration):
    dependencies = [("builder", "0001_initial")]

    operations = [migrations.RunPython(load_templates, migrations.RunPython.noop)]
