"""`manage.py run_demo` as `make demo` runs it: the embedded mode in one process, stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.servers import ROOT, free_port

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "kalshi-demo"


def _demo_env(var_dir: Path, sandbox_port: int) -> dict[str, str]:
    # The embedded mode: no REDIS_URL / DATABASE_URL, whatever the test run itself uses.
    removed = {"REDIS_URL", "DATABASE_URL", "SANDBOX_URL", "SANDBOX_HOST", "DEMO_EMAIL", "DEMO_PASSWORD"}
    env = {name: value for name, value in os.environ.items() if name not in removed}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "VAR_DIR": str(var_dir),
        "SANDBOX_PORT": str(sandbox_port),
        "PYTHONUNBUFFERED": "1",
    }


def _start(var_dir: Path, port: int, sandbox_port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_demo", "--port", str(port)],
        cwd=ROOT,
        env=_demo_env(var_dir, sandbox_port),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"run_demo exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    process.wait()
    pytest.fail(f"run_demo did not answer /healthz within 120 s:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes], sig: signal.Signals) -> int:
    process.send_signal(sig)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"run_demo did not stop within 30 s of {sig.name}")


def _port_is_free(port: int) -> bool:
    """Can a server listen there again? (SO_REUSEADDR, as uvicorn: closed connections may linger
    in TIME_WAIT, but nothing may still be listening.)"""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True


def _sandbox_credentials(session: requests.Session, port: int) -> list[dict[str, object]]:
    """The demo user's paper-trading credentials, once the demo has seeded them (asynchronously)."""
    deadline = time.monotonic() + 30
    while True:
        credentials = session.get(f"http://127.0.0.1:{port}/api/v1/credentials/", timeout=5).json()
        sandbox = [c for c in credentials if c["environment"] == "sandbox"]
        if sandbox or time.monotonic() > deadline:
            return sandbox
        time.sleep(0.2)


def _sign_in(port: int) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"http://127.0.0.1:{port}/api/v1/auth/login/",
        json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    me = session.get(f"http://127.0.0.1:{port}/api/v1/auth/me/", timeout=10)
    assert me.json()["email"] == DEMO_EMAIL
    return session


def test_the_demo_serves_signs_in_and_stops_cleanly_on_ctrl_c_twice_in_a_row(tmp_path):
    port, sandbox_port = free_port(), free_port()
    seen: list[list[dict[str, object]]] = []
    for attempt, sig in enumerate((signal.SIGINT, signal.SIGTERM)):
        log = tmp_path / f"demo-{attempt}.log"
        process = _start(tmp_path / "var", port, sandbox_port, log)
        try:
            seen.append(_sandbox_credentials(_sign_in(port), port))
        finally:
            returncode = _stop(process, sig)
        output = log.read_text()
        assert returncode == 0, output
        assert "Traceback" not in output, output
        assert output.rstrip().endswith("Stopped."), output
        assert _port_is_free(port), "the web port is still bound"
        assert _port_is_free(sandbox_port), "the sandbox port is still bound"
    # The second run reused the database: same demo user, same single paper-trading credential.
    assert (tmp_path / "var" / "demo.sqlite3").exists()
    assert len(seen[0]) == 1
    assert seen[1] == seen[0]
