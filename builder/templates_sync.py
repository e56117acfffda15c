"""Load the shipped templates (builder/templates_data/*.json) into the Template table.

Called by data migrations with the historical model, so adding or changing a template ships as a
new migration that calls this again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates_data"


def shipped_templates() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(TEMPLATES_DIR.glob("*.json"))]


def templates_sync(template_model: Any) -> int:
    """Upsert every shipped template by slug; returns how many there are."""
    templates = shipped_templates()
    for item in templates:
        template_model.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "title": item["title"],
                "description": item["description"],
                "category": item["category"],
                "graph": item["graph"],
            },
        )
    return len(templates)


def load_templates_migration(apps: Any, schema_editor: Any) -> None:
    """RunPython body for the data migrations that ship templates."""
    templates_sync(apps.get_model("builder", "Template"))
