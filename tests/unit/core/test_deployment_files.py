"""docker-compose.yml, the Procfile and the Makefile describe the same topology (DESIGN §2)."""

from __future__ import annotations

import os
import re
import subprocess
from typing import Any

import pytest
import yaml

from tests.servers import ROOT

APP_SERVICES = ("web", "worker", "beat", "sandbox")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_compose_runs_every_process_and_its_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "migrate", *APP_SERVICES}
    for name in ("postgres", "redis"):
        assert compose["services"][name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", [*APP_SERVICES, "migrate"])
def test_each_app_service_is_configured_by_the_environment(compose, name):
    environment = compose["services"][name]["environment"]
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    for variable in ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "CREDENTIALS_ENCRYPTION_KEYS"):
        assert environment[variable].startswith("${" + variable), (name, variable)


def test_web_and_worker_reach_the_sandbox_service(compose):
    sandbox = compose["services"]["sandbox"]
    assert sandbox["command"] == "python manage.py run_sandbox --host 0.0.0.0 --port 8001"
    for name in ("web", "worker"):
        assert compose["services"][name]["environment"]["SANDBOX_URL"] == "http://sandbox:8001"


def test_migrations_run_once_before_the_app_starts(compose):
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == "python manage.py migrate --noinput"
    assert migrate["restart"] == "no"
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert "migrate" not in service["command"]


def test_the_procfile_runs_the_same_processes():
    processes = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert set(processes) == set(APP_SERVICES)
    # The web process finds this sandbox at the settings' default SANDBOX_URL (SANDBOX_PORT).
    assert "run_sandbox --host 127.0.0.1 --port ${SANDBOX_PORT:-8001}" in processes["sandbox"]


def _make_dry_run(target: str, **env: str) -> str:
    result = subprocess.run(
        ["make", "-n", "-o", "install", "-o", "frontend", target],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_demo_forces_the_embedded_mode_even_if_the_shell_exports_the_services():
    out = _make_dry_run("demo", REDIS_URL="redis://elsewhere:6379/0", DATABASE_URL="postgres://elsewhere/x")
    command = out.replace("\\\n", " ")
    assert re.search(r"env -u REDIS_URL -u DATABASE_URL .*manage\.py run_demo", command)


def test_make_up_creates_the_database_database_url_names():
    out = _make_dry_run("up")
    assert "createdb" not in out
    assert out.index("manage.py create_database") < out.index("manage.py migrate") < out.index("honcho start")
