"""The sandbox's pure matching engine (DESIGN.md §3, §8): plain, typed Python, no Django, no I/O.

The same source also runs compiled: ``python -m sandbox.build_engine`` (``make install`` runs it)
compiles these modules with mypyc into ``_compiled/``, about twice as fast, and records a hash of
the sources it compiled. The build is used only when that hash is the hash of the sources here
now, so an edited module never runs as stale machine code: until it is rebuilt, the source runs.
``SANDBOX_ENGINE=python`` forces the source (to step through it in a debugger, say).
"""

from __future__ import annotations

import hashlib
import os
import sysconfig
from pathlib import Path
from typing import Final

PACKAGE_DIR: Final = Path(__file__).resolve().parent
COMPILED_DIR: Final = PACKAGE_DIR / "_compiled"
STAMP: Final = "SOURCE_HASH"


def source_hash() -> str:
    """What a build must have been compiled from: every module's source, and the ABI it targets."""
    digest = hashlib.sha256(str(sysconfig.get_config_var("EXT_SUFFIX")).encode())
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        if path.name != "__init__.py":
            digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _compiled_is_current() -> bool:
    if os.environ.get("SANDBOX_ENGINE") == "python":
        return False
    try:
        return (COMPILED_DIR / STAMP).read_text().strip() == source_hash()
    except OSError:
        return False


# The compiled modules are found first when current; else the import system falls through to
# the sources beside this file.
COMPILED: Final = _compiled_is_current()
if COMPILED:
    __path__.insert(0, str(COMPILED_DIR))
