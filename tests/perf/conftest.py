"""Fixtures shared by the benchmarks."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import SandboxFactory, SandboxServer


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """A real `run_sandbox` process without rate limits (a benchmark measures the server, not the
    token buckets)."""
    with tempfile.TemporaryDirectory() as workdir:
        factory = SandboxFactory(Path(workdir))
        try:
            yield factory(rate_limit_tier="none")
        finally:
            factory.close()
