"""Settings modules, loaded as a deployment loads them: in a fresh process with only its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.servers import ROOT

# Everything a settings module reads that the test run itself may have set.
CONFIG_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "CREDENTIALS_ENCRYPTION_KEYS",
    "CREDENTIALS_ENCRYPTION_KEYS_FILE",
    "SANDBOX_ADMIN_TOKEN",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_DEBUG",
    "VAR_DIR",
    "REDIS_URL",
    "CELERY_BROKER_URL",
)
SHOW_KEYS = "import django; django.setup(); from django.conf import settings; print(settings.CREDENTIALS_ENCRYPTION_KEYS)"


def _documented_production_env() -> dict[str, str]:
    """The variables the README and docker-compose.yml document for production."""
    return {
        "DJANGO_SECRET_KEY": "x7" * 30 + "-a-long-random-secret",
        "CREDENTIALS_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SANDBOX_ADMIN_TOKEN": "a-sandbox-admin-token",
        "DJANGO_ALLOWED_HOSTS": "bots.example.com",
    }


def _run(module: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {name: value for name, value in os.environ.items() if name not in CONFIG_VARIABLES}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": f"config.settings.{module}"} | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_passes_check_deploy_with_the_documented_variables():
    result = _run("production", _documented_production_env(), "manage.py", "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "CREDENTIALS_ENCRYPTION_KEYS", "SANDBOX_ADMIN_TOKEN"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = _documented_production_env()
    del env[missing]
    result = _run("production", env, "manage.py", "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing}" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    "keys",
    ["notakey", "{good},notakey", "{good},", "AAAA", "{good}{good}"],
)
def test_production_refuses_a_malformed_encryption_key_without_echoing_it(keys):
    good = Fernet.generate_key().decode()
    value = keys.format(good=good)
    env = _documented_production_env() | {"CREDENTIALS_ENCRYPTION_KEYS": value}
    result = _run("production", env, "manage.py", "check")
    if keys == "{good},":  # an empty trailing entry is just ignored
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "is not a Fernet key" in last_line
    assert "notakey" not in result.stderr
    assert good not in result.stderr


def test_the_dockerfile_build_placeholders_load_the_production_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    step = dockerfile[dockerfile.index("RUN DJANGO_SETTINGS_MODULE=config.settings.production") :]
    step = step[: step.index("python manage.py collectstatic")]
    assignments = step.removeprefix("RUN").replace("\\\n", " ").split()
    env = dict(assignment.split("=", 1) for assignment in assignments)
    result = _run("production", env, "-c", SHOW_KEYS)
    assert result.returncode == 0, result.stderr


def test_every_settings_module_reads_the_keys_file(tmp_path: Path):
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    keys_file = tmp_path / "keys"
    keys_file.write_text(f"{keys[0]}\n\n  {keys[1]}  \n")
    for module in ("local", "test", "production"):
        env = _documented_production_env() | {"VAR_DIR": str(tmp_path / "var")}
        del env["CREDENTIALS_ENCRYPTION_KEYS"]
        env["CREDENTIALS_ENCRYPTION_KEYS_FILE"] = str(keys_file)
        result = _run(module, env, "-c", SHOW_KEYS)
        assert result.returncode == 0, (module, result.stderr)
        assert result.stdout.strip() == repr(keys), module
        assert "development key" not in result.stderr, module


def test_a_keys_file_with_a_malformed_key_is_refused_everywhere(tmp_path: Path):
    keys_file = tmp_path / "keys"
    keys_file.write_text("notakey\n")
    for module in ("local", "test", "production"):
        env = _documented_production_env() | {"VAR_DIR": str(tmp_path / "var")}
        del env["CREDENTIALS_ENCRYPTION_KEYS"]
        env["CREDENTIALS_ENCRYPTION_KEYS_FILE"] = str(keys_file)
        result = _run(module, env, "-c", SHOW_KEYS)
        assert result.returncode != 0, module
        assert "entry 1 of 1 is not a Fernet key" in result.stderr, module


@pytest.mark.parametrize("module", ["local", "test"])
def test_local_and_test_fall_back_to_a_generated_key_and_log_a_warning(tmp_path: Path, module):
    env = {"VAR_DIR": str(tmp_path)}
    first = _run(module, env, "-W", "error", "-c", SHOW_KEYS)
    assert first.returncode == 0, first.stderr
    assert "CREDENTIALS_ENCRYPTION_KEYS is not set: using the generated development key" in first.stderr
    assert "Warning" not in first.stderr  # a log line, not a Python warning
    key = (tmp_path / "dev-credentials.key").read_text().strip()
    assert first.stdout.strip() == repr([key])
    # Stable across restarts, so stored credentials stay readable.
    assert _run(module, env, "-c", SHOW_KEYS).stdout == first.stdout


def test_local_keeps_an_explicit_celery_broker_url_over_redis_url(tmp_path: Path):
    show = (
        "import django; django.setup(); from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    )
    env = {"VAR_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/3"}
    assert _run("local", env, "-c", show).stdout.strip() == "redis://127.0.0.1:6379/3"
    env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/4"
    assert _run("local", env, "-c", show).stdout.strip() == "redis://127.0.0.1:6379/4"


def test_create_database_creates_the_database_of_database_url_once():
    import uuid

    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"kb_scratch_{uuid.uuid4().hex[:8]}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    env = {
        "VAR_DIR": os.environ.get("VAR_DIR", str(ROOT / "var")),
        "DATABASE_URL": url,
        "REDIS_URL": "redis://x/0",
    }
    try:
        first = _run("local", env, "manage.py", "create_database")
        assert first.returncode == 0, first.stderr
        assert f"Created database {name}." in first.stdout
        again = _run("local", env, "manage.py", "create_database")
        assert again.returncode == 0, again.stderr
        assert f"Database {name} exists." in again.stdout
    finally:
        with psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=int(db.get("PORT") or 5432),
            user=user,
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
