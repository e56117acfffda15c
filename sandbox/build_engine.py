"""Compile the pure engine (``sandbox/engine``) with mypyc: ``python -m sandbox.build_engine``.

The C extensions go to ``sandbox/engine/_compiled`` (not in git) with the hash of the sources they
were compiled from; ``sandbox.engine`` uses them only while that hash still matches (see its
docstring). ``make install`` runs this, so ``make test``, ``make bench`` and ``make demo`` run the
compiled engine. A build that is already current is kept; a failed build leaves no build at all,
and the engine then runs from source (correct, only slower), which the command says.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sandbox import engine

# Run in a child process: setuptools and mypyc are build tools, kept out of the caller's process.
# All modules form one group (one shared library, native calls between the modules); the group is
# named inside the package so that the library is found through the package's __path__.
_SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify
work, sources = sys.argv[1], sys.argv[2:]
setup(
    name="sandbox-engine",
    ext_modules=mypycify(
        ["--config-file=", *sources],
        opt_level="3",
        group_name="sandbox.engine._native",
        target_dir=work + "/c",
    ),
    script_args=["build_ext", "--build-lib", work + "/lib", "--build-temp", work + "/tmp"],
)
"""


def build(force: bool = False) -> str:
    """Compile when needed; returns what was done, for the caller to print."""
    digest = engine.source_hash()
    stamp = engine.COMPILED_DIR / engine.STAMP
    if not force and stamp.is_file() and stamp.read_text().strip() == digest:
        return f"engine build is current ({engine.COMPILED_DIR})"
    shutil.rmtree(engine.COMPILED_DIR, ignore_errors=True)  # never leave a stale build behind
    root = engine.PACKAGE_DIR.parents[1]  # the directory holding the `sandbox` package
    sources = sorted(
        str(path.relative_to(root)) for path in engine.PACKAGE_DIR.glob("*.py") if path.name != "__init__.py"
    )
    with tempfile.TemporaryDirectory(prefix="engine-build-") as work:
        completed = subprocess.run(  # noqa: S603 - our interpreter, our script, our file names
            [sys.executable, "-c", _SETUP, work, *sources],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise BuildFailed(completed.stdout[-4000:] + completed.stderr[-4000:])
        # Staged beside the target and renamed into place, so that a process starting meanwhile
        # sees either no build or a whole one; a concurrent build that got there first wins.
        staging = Path(tempfile.mkdtemp(prefix="_compiled.", dir=engine.PACKAGE_DIR))
        for library in (Path(work) / "lib" / "sandbox" / "engine").glob("*.so"):
            shutil.copy2(library, staging / library.name)
        (staging / engine.STAMP).write_text(digest + "\n")
        try:
            staging.rename(engine.COMPILED_DIR)
        except OSError:
            shutil.rmtree(staging)
            if stamp.read_text().strip() != digest:
                raise
    return f"engine compiled with mypyc into {engine.COMPILED_DIR}"


class BuildFailed(RuntimeError):
    """mypyc or the C compiler failed; the message carries the end of their output."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.build_engine", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when the build is current")
    args = parser.parse_args(argv)
    try:
        print(build(force=args.force))
    except BuildFailed as exc:
        print(f"{exc}\nengine build FAILED: the engine will run from source (slower)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
