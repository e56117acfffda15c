"""Four processes share one credential's buckets through Redis: together they stay within
Kalshi's budget (±5%), nobody starves, and the exchange never answers 429."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import redis
from django.conf import settings

from tests.servers import ROOT

PROCESSES = 4
DURATION = 5.0
STEADY_FROM = 1.5  # seconds after the start: the initial burst (bucket capacity) is spent by then


def test_four_processes_share_one_budget_fairly(sandbox_factory, tmp_path):
    server = sandbox_factory(rate_limit_tier="basic")
    key_id, pem = server.create_account("shared", "10.00")
    pem_file = tmp_path / "key.pem"
    pem_file.write_text(pem)
    prefix = f"kc-test:{uuid.uuid4().hex}"
    start = time.time() + 2.0  # every process has imported and is waiting by then
    env = os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    }
    outs = [tmp_path / f"worker{i}.json" for i in range(PROCESSES)]
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.kalshi.limiter_worker",
                server.base_url,
                key_id,
                str(pem_file),
                settings.REDIS_URL,
                prefix,
                str(start),
                str(DURATION),
                str(out),
            ],
            cwd=ROOT,
            env=env,
        )
        for out in outs
    ]
    try:
        for worker in workers:
            assert worker.wait(timeout=60) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)

    results = [json.loads(out.read_text()) for out in outs]
    statuses = [status for r in results for _, status in r["sent"]]
    assert statuses.count(429) == 0
    assert all(r["errors"] == 0 for r in results)

    # Basic read bucket: 200 tokens/s at 10 tokens per read = a budget of 20 reads/s in steady
    # state; together the processes use it (the client keeps 2% headroom) and never exceed it.
    budget = 20.0
    window_start, window_end = start + STEADY_FROM, start + DURATION - 0.2
    per_process = [sum(window_start <= sent_at < window_end for sent_at, _ in r["sent"]) for r in results]
    rate = sum(per_process) / (window_end - window_start)
    print(f"shared limiter: {rate:.2f} reads/s (budget {budget}), per process {per_process}")
    assert 0.95 * budget <= rate <= 1.05 * budget, (rate, per_process)
    # Nobody starves: each process gets a fair share (FIFO reservations).
    fair = sum(per_process) / PROCESSES
    assert min(per_process) >= 0.6 * fair, per_process
    # Over the whole run nobody exceeded capacity + refill either.
    total = sum(len(r["sent"]) for r in results)
    assert total <= (400 + 200 * DURATION) / 10 * 1.05
