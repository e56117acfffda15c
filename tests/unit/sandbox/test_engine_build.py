"""The engine runs compiled (mypyc) when its build matches the sources, and from source otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import sandbox
import sandbox.engine.exchange
from sandbox import engine

PROBE = (
    "import sandbox.engine as e, sandbox.engine.ledger as m; print(e.COMPILED, m.__file__.rsplit('.', 1)[1])"
)


def test_the_engine_runs_compiled():
    # make install builds it (python -m sandbox.build_engine); the product and the benchmarks
    # run this build, so the tests do too.
    assert engine.COMPILED, (
        "no current engine build: `python -m sandbox.build_engine` builds it or says why it cannot "
        "(it needs a C compiler and the Python headers)"
    )
    assert sandbox.engine.exchange.__file__.endswith(".so")


def _probe(root: Path, **env: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def test_a_stale_damaged_or_refused_build_is_not_used(tmp_path):
    # A copy of the package with its build: used as is, ignored once a module is edited.
    assert engine.COMPILED, "needs the engine build (see test_the_engine_runs_compiled)"
    copy = tmp_path / "sandbox"
    copy.mkdir()
    shutil.copy(Path(sandbox.__file__), copy / "__init__.py")
    shutil.copytree(engine.PACKAGE_DIR, copy / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    assert _probe(tmp_path) == "True so"
    assert _probe(tmp_path, SANDBOX_ENGINE="python") == "False py"
    # A build this interpreter cannot load (here: its shared library is not a library) is skipped.
    build = copy / "engine" / "_compiled" / engine.source_hash()
    native = next(build.glob(f"{engine.NATIVE}.*"))
    original = native.read_bytes()
    native.write_bytes(b"not an ELF file")
    assert _probe(tmp_path) == "False py"
    native.write_bytes(original)
    assert _probe(tmp_path) == "True so"
    with (copy / "engine" / "ledger.py").open("a") as source:
        source.write("\n# an edit the build has not seen\n")
    assert _probe(tmp_path) == "False py"
