"""The one writer of var/bench.json (DESIGN §11): every benchmark records its figures here."""

from __future__ import annotations

import json
import os
from pathlib import Path

BENCH_FILE = Path(__file__).resolve().parents[2] / "var" / "bench.json"


def record(
    metric: str,
    value: float,
    unit: str,
    *,
    baseline: str | None = None,
    baseline_value: float | None = None,
    note: str = "",
) -> dict[str, object]:
    """Add or replace `metric` in var/bench.json; the ratio is value / baseline_value."""
    ratio = round(value / baseline_value, 4) if baseline_value else None
    row: dict[str, object] = {
        "metric": metric,
        "value": round(value, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": None if baseline_value is None else round(baseline_value, 4),
        "ratio": ratio,
        "note": note,
    }
    BENCH_FILE.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(BENCH_FILE.read_text()) if BENCH_FILE.exists() else []
    rows = [r for r in rows if r.get("metric") != metric] + [row]
    tmp = BENCH_FILE.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(rows, indent=2) + "\n")
    tmp.replace(BENCH_FILE)
    print(f"BENCH {metric}: {value:.4g} {unit}" + (f" (ratio {ratio} vs {baseline})" if ratio else ""))
    return row
