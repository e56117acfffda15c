"""Integration fixtures. `sandbox_server`: a real `run_sandbox` process, reusable by any test.

    def test_something(sandbox_server):
        key_id, private_key_pem = sandbox_server.create_account("alice", balance="1000.00")
        requests.get(f"{sandbox_server.base_url}/markets")          # .../trade-api/v2
        websockets.connect(sandbox_server.ws_url, additional_headers=signed_headers)
        sandbox_server.admin("POST", "/markets", json={...})         # sandbox/README.md

The server runs on a free port against its own fresh PostgreSQL database (created from the
test settings' DATABASE_URL, dropped at the end), without the simulator and without rate limits.
`sandbox_factory(...)` starts more servers with other options (simulator, rate-limit tier,
heartbeat) and can stop, SIGKILL and restart them on the same database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.servers import ROOT, free_port

ADMIN_TOKEN = "test-admin-token"  # config.settings.test.SANDBOX_ADMIN_TOKEN


def _database_settings() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.DATABASES["default"])


def _admin_connection() -> Any:
    import psycopg

    db = _database_settings()
    return psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=int(db.get("PORT") or 5432),
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _database_url(name: str) -> str:
    db = _database_settings()
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


@dataclass
class SandboxServer:
    """A running sandbox process and how to reach it."""

    host: str
    port: int
    database: str
    options: list[str]
    log_path: Path
    admin_token: str = ADMIN_TOKEN
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """REST base: .../trade-api/v2."""
        return f"{self.root_url}/trade-api/v2"

    @property
    def ws_url(self) -> str:
        """WebSocket: ws://.../trade-api/ws/v2 (sign GET /trade-api/ws/v2)."""
        return f"ws://{self.host}:{self.port}/trade-api/ws/v2"

    @property
    def admin_url(self) -> str:
        """Admin API base: .../sandbox-admin/v1 (Bearer admin_token)."""
        return f"{self.root_url}/sandbox-admin/v1"

    def admin(self, method: str, path: str, json: Any = None, timeout: float = 30) -> requests.Response:
        """Call the admin API (path relative to admin_url)."""
        return requests.request(
            method,
            self.admin_url + path,
            json=json,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=timeout,
        )

    def create_account(self, name: str = "alice", balance: str = "1000.00") -> tuple[str, str]:
        """A funded member; returns (key_id, private_key_pem), usable at once."""
        response = self.admin("POST", "/accounts", json={"name": name, "balance_dollars": balance})
        response.raise_for_status()
        body = response.json()
        return str(body["key_id"]), str(body["private_key_pem"])

    def start(self, timeout: float = 90) -> None:
        """Start (or restart) the process and wait until it answers."""
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(self.database),
            "PYTHONUNBUFFERED": "1",
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_sandbox",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--migrate",
                *self.options,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"run_sandbox exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.base_url}/exchange/status", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"run_sandbox did not answer within {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then wait (SIGKILL after `timeout`)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no flush, no cleanup, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        """The process output so far."""
        return self.log_path.read_text(errors="replace")[-20_000:]


class SandboxFactory:
    """Starts sandbox servers, each on its own database; stops them and drops the databases."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.servers: list[SandboxServer] = []

    def __call__(
        self,
        *,
        simulate: bool = False,
        rate_limit_tier: str = "none",
        seed: int = 0,
        extra: list[str] | None = None,
        start: bool = True,
    ) -> SandboxServer:
        base = _database_settings().get("NAME") or "kalshi_bots"
        database = f"{base}_sbx_{uuid.uuid4().hex[:8]}"
        with _admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        options = ["--seed", str(seed), "--rate-limit-tier", rate_limit_tier, *(extra or [])]
        if not simulate:
            options.append("--no-simulate")
        server = SandboxServer("127.0.0.1", free_port(), database, options, self.workdir / f"{database}.log")
        self.servers.append(server)
        if start:
            server.start()
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        with _admin_connection() as conn:
            for server in self.servers:
                conn.execute(f'DROP DATABASE IF EXISTS "{server.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def _sandbox_workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="sandbox-tests-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def sandbox_server(_sandbox_workdir: Path) -> Iterator[SandboxServer]:
    """One sandbox for the whole session (no simulator, no rate limits, its own database)."""
    factory = SandboxFactory(_sandbox_workdir)
    try:
        yield factory()
    finally:
        factory.close()


@pytest.fixture
def sandbox_factory(_sandbox_workdir: Path) -> Iterator[Callable[..., SandboxServer]]:
    """Start extra sandboxes with other options; all are stopped and dropped after the test."""
    factory = SandboxFactory(_sandbox_workdir)
    try:
        yield factory
    finally:
        factory.close()
