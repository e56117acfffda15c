"""Where the Kalshi contract lies: `../shared/kalshi` beside the checkout (as CI places it)."""

from __future__ import annotations

from pathlib import Path

KALSHI_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "kalshi"
FRAGMENTS = KALSHI_DIR / "openapi-fragments"
