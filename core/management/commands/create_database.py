"""`python manage.py create_database`: create the PostgreSQL database DATABASE_URL names, if missing.

`make up` runs it before migrating, so any DATABASE_URL works on a fresh server (not only the
default name). It connects to the server's `postgres` maintenance database with the same
credentials; other engines (SQLite creates its file itself) are left alone."""

from __future__ import annotations

from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = "Create the PostgreSQL database of DATABASE_URL if it does not exist."

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            self.stdout.write(f"{db['ENGINE']} needs no database to be created.")
            return
        name = str(db["NAME"])
        try:
            with psycopg.connect(
                host=db.get("HOST") or "127.0.0.1",
                port=int(db.get("PORT") or 5432),
                user=db.get("USER") or None,
                password=db.get("PASSWORD") or None,
                dbname="postgres",
                autocommit=True,
                connect_timeout=5,
            ) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                if exists:
                    self.stdout.write(f"Database {name} exists.")
                    return
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise CommandError(f"Could not create database {name}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Created database {name}."))
