from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The embedded mode: one process, seeded demo data (top layer: it may use every app)."""

    name = "demo"
