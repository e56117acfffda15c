"""The embedded mode's SQLite file never holds a private key in clear."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import rsa_private_key_pem
from tests.servers import ROOT

SCRIPT = """
import os, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.services import credential_create, demo_user_ensure
user = demo_user_ensure(email="demo@example.com", password="kalshi-demo")
credential_create(user=user, environment="sandbox", label="paper", key_id="k-1",
                  private_key=open(os.environ["PEM_FILE"]).read())
"""


def test_the_sqlite_database_never_contains_the_pem(tmp_path: Path):
    pem = rsa_private_key_pem(2)
    pem_file = tmp_path / "key.pem"
    pem_file.write_text(pem)
    database = tmp_path / "demo.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "PEM_FILE": str(pem_file),
    }
    subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, check=True, capture_output=True)

    stored = b"".join(p.read_bytes() for p in tmp_path.glob("demo.sqlite3*"))
    assert b"exchangecredential" in stored.lower()
    lines = [line for line in pem.splitlines() if not line.startswith("-----")]
    for line in lines[1:-1]:
        assert line.encode() not in stored
