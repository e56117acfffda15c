"""The sandbox's pure matching engine (DESIGN.md §3, §8): plain, typed Python, no Django, no I/O.

The same source also runs compiled: ``python -m sandbox.build_engine`` (``make install`` runs it)
compiles these modules with mypyc, which makes the engine 1.6-1.8x faster. Each build lives in
``_compiled/<hash>``, named by a hash of the sources it was compiled from and of the Python ABI,
and is used only when that is the hash of the sources here now: an edited module never runs as
stale machine code, it runs from source until it is rebuilt. ``SANDBOX_ENGINE=python`` forces the
source (to step through it in a debugger, say). Choosing reads the sources once, at import.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sysconfig
from pathlib import Path
from typing import Final

PACKAGE_DIR: Final = Path(__file__).resolve().parent
COMPILED_DIR: Final = PACKAGE_DIR / "_compiled"
STAMP: Final = "BUILT_WITH"  # written last into a build directory: the build is complete
GROUP: Final = "_native"  # the mypyc group of all the modules: one shared library, named ...
NATIVE: Final = GROUP + "__mypyc"  # ... so by mypyc; every compiled module of a build loads it


def sources() -> list[Path]:
    """The modules that are compiled: every one of the package but this file."""
    return sorted(path for path in PACKAGE_DIR.glob("*.py") if path.name != "__init__.py")


def source_hash() -> str:
    """The name of the build compiled from the sources here now, for this Python ABI."""
    digest = hashlib.sha256(str(sysconfig.get_config_var("EXT_SUFFIX")).encode())
    for path in sources():
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _use_current_build() -> bool:
    """Put the current build first on this package's path, if there is one this Python loads."""
    if os.environ.get("SANDBOX_ENGINE") == "python":
        return False
    build = COMPILED_DIR / source_hash()
    if not (build / STAMP).is_file():
        return False
    __path__.insert(0, str(build))
    try:  # loaded once per process; the modules then initialize from it as they are imported
        importlib.import_module(f"{__name__}.{NATIVE}")
    except ImportError:  # built for another interpreter or damaged: the source still runs
        __path__.remove(str(build))
        return False
    return True


COMPILED: Final = _use_current_build()
