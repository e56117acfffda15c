"""Compile the pure engine (``sandbox/engine``) with mypyc: ``python -m sandbox.build_engine``.

The C extensions go to ``sandbox/engine/_compiled/<hash of the sources>`` (not in git), which
``sandbox.engine`` uses only while the sources still have that hash (see its docstring). ``make
install`` runs this, so ``make test``, ``make bench`` and ``make demo`` run the compiled engine. A
build that is current (same sources, same mypy) is kept; builds of earlier sources are removed. If
the build fails, the engine runs from source (correct, only slower), and the command says why.
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
work, group, sources = sys.argv[1], sys.argv[2], sys.argv[3:]
setup(
    name="sandbox-engine",
    ext_modules=mypycify(
        ["--config-file=", *sources],
        opt_level="3",
        group_name=group,
        target_dir=work + "/c",
    ),
    script_args=["build_ext", "--build-lib", work + "/lib", "--build-temp", work + "/tmp"],
)
"""


def build(force: bool = False) -> str:
    """Compile when needed; returns what was done, for the caller to print."""
    from mypy.version import __version__ as mypy_version

    digest = engine.source_hash()
    target = engine.COMPILED_DIR / digest
    if not force and _built_with(target) == mypy_version:
        return f"engine build is current ({target})"
    root = engine.PACKAGE_DIR.parents[1]  # the directory holding the `sandbox` package
    sources = [str(path.relative_to(root)) for path in engine.sources()]
    with tempfile.TemporaryDirectory(prefix="engine-build-") as work:
        completed = subprocess.run(  # noqa: S603 - our interpreter, our script, our file names
            [sys.executable, "-c", _SETUP, work, f"{engine.__name__}.{engine.GROUP}", *sources],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise BuildFailed(completed.stdout[-4000:] + completed.stderr[-4000:])
        if engine.source_hash() != digest:
            raise BuildFailed("the engine sources changed during the build; run it again")
        # Staged beside the target, then renamed into place: a process starting meanwhile finds
        # a whole build or none. Readable by all, as the checkout is (mkdtemp makes it private).
        engine.COMPILED_DIR.mkdir(exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=engine.COMPILED_DIR))
        staging.chmod(0o755)
        for library in (Path(work) / "lib" / "sandbox" / "engine").glob("*.so"):
            shutil.copy2(library, staging / library.name)
        (staging / engine.STAMP).write_text(mypy_version + "\n")
        _install(staging, target, mypy_version)
    for old in engine.COMPILED_DIR.iterdir():  # builds of earlier sources (staging dirs start with ".")
        if old.name != digest and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return f"engine compiled with mypyc into {target}"


def _built_with(build: Path) -> str | None:
    try:
        return (build / engine.STAMP).read_text().strip()
    except OSError:
        return None


def _install(staging: Path, target: Path, mypy_version: str) -> None:
    """Rename the staged build to its name; a concurrent build of the same sources that got
    there first wins, and a build from an older mypy is replaced."""
    if target.exists() and _built_with(target) != mypy_version:
        retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=engine.COMPILED_DIR))
        target.rename(retired / "build")
        shutil.rmtree(retired, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if _built_with(target) != mypy_version:
            raise


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
