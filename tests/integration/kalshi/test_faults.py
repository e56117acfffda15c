"""Fault injection (sandbox README, admin API): a 429 storm, 5xx bursts, added latency, dropped
sockets and forced seq gaps. After each, the local book equals a fresh REST snapshot and every
client_order_id produced exactly one order."""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from typing import Any

import pytest
import requests
import requests.adapters

from execution.kalshi import ws as w
from execution.kalshi.models import OrderRequest
from execution.kalshi.rest import KalshiClient
from tests.integration.kalshi.conftest import Recorder, client_for
from tests.integration.kalshi.wshelpers import book_matches_rest, ws_for
from tests.unit.kalshi.watcher import Watcher


def exactly_one_order_each(client: KalshiClient, market: str, ids: list[str]) -> None:
    counts = collections.Counter(o.client_order_id for o in client.orders(ticker=market))
    assert {i: counts[i] for i in ids} == dict.fromkeys(ids, 1)


def trade_a_little(client: KalshiClient, market: str, n: int) -> list[str]:
    """Creates (every third one cancelled) and reads; returns the client_order_ids used."""
    ids = []
    for i in range(n):
        client_order_id = str(uuid.uuid4())
        ids.append(client_order_id)
        result = client.create_order(
            OrderRequest.buy_yes(market, 3000 + (i % 10) * 100, 100 + i, client_order_id=client_order_id)
        )
        if i % 3 == 0:
            client.cancel_order(result.order_id)
        if i % 5 == 0:
            client.orderbook(market)
            client.balance()
    return ids


async def scenario(
    sandbox_server, account, market, faults, settings: dict[str, Any], *, n: int = 20, **options: Any
):
    recorder = Recorder()
    client = client_for(sandbox_server, *account, call_hook=recorder, **options)
    async with Watcher(ws_for(sandbox_server, *account)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [market])
        await watcher.until(lambda: watcher.of(w.BookSnapshot), what="snapshot")
        faults(**settings)
        ids = await asyncio.to_thread(trade_a_little, client, market, n)
        faults()  # clear (PUT with nothing changes nothing; the fixture DELETEs at the end)
        sandbox_server.admin("DELETE", "/faults")
        await book_matches_rest(watcher, client, market, timeout=15)
        await asyncio.to_thread(exactly_one_order_each, client, market, ids)
    return recorder, watcher


@pytest.mark.asyncio
async def test_a_429_storm_is_ridden_out(sandbox_server, account, market, faults):
    recorder, _ = await scenario(sandbox_server, account, market, faults, {"rate_429_rate": 0.5})
    assert sum(r.status == 429 for r in recorder.records) >= 5


@pytest.mark.asyncio
async def test_5xx_bursts_are_retried_without_duplicates(sandbox_server, account, market, faults):
    recorder, _ = await scenario(sandbox_server, account, market, faults, {"error_5xx_rate": 0.3})
    assert sum(r.status == 503 for r in recorder.records) >= 3


@pytest.mark.asyncio
async def test_added_latency_is_tolerated_and_measured(sandbox_server, account, market, faults):
    recorder, _ = await scenario(sandbox_server, account, market, faults, {"latency_ms": 60}, n=6)
    assert min(r.latency_ms for r in recorder.records if r.path.endswith("/events/orders")) >= 60


def test_a_create_that_times_out_under_latency_yields_exactly_one_order(
    sandbox_server, account, market, faults
):
    recorder = Recorder()

    def sleep(seconds: float) -> None:
        sandbox_server.admin("DELETE", "/faults")  # the storm passes while we back off
        time.sleep(seconds)

    client = client_for(sandbox_server, *account, call_hook=recorder, timeout=(2.0, 0.1), sleep=sleep)
    faults(latency_ms=300)
    client_order_id = str(uuid.uuid4())
    client.create_order(OrderRequest.buy_yes(market, 4400, 300, client_order_id=client_order_id))
    assert next(r.error_code for r in recorder.records) == "timeout"
    exactly_one_order_each(client, market, [client_order_id])


class LoseAnswers(requests.adapters.HTTPAdapter):
    """Delivers requests to the real exchange, then loses the answer of the chosen ones."""

    def __init__(self, lose: set[str]) -> None:
        super().__init__(max_retries=0)
        self.lose = lose

    def send(self, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        answer = super().send(request, *args, **kwargs)
        if request.method in self.lose:
            self.lose.discard(request.method)
            raise requests.exceptions.ReadTimeout("the answer was lost on the way back")
        return answer


def test_a_create_whose_answer_was_lost_is_found_not_sent_twice(sandbox_server, account, market):
    recorder = Recorder()
    session = requests.Session()
    adapter = LoseAnswers({"POST", "DELETE"})
    session.mount("http://", adapter)
    client = client_for(sandbox_server, *account, call_hook=recorder, session=session)
    client_order_id = str(uuid.uuid4())
    result = client.create_order(OrderRequest.buy_yes(market, 4400, 300, client_order_id=client_order_id))
    assert result.duplicate  # the retry met 409 order_already_exists and looked the order up
    assert [r.error_code for r in recorder.records if r.method == "POST"] == [
        "timeout",
        "order_already_exists",
    ]
    exactly_one_order_each(client, market, [client_order_id])

    # A cancel whose answer is lost: the retry finds it gone and confirms from the order.
    cancelled = client.cancel_order(result.order_id)
    assert cancelled.from_lookup
    assert cancelled.reduced_by == 300
    assert client.order(result.order_id).status == "canceled"


@pytest.mark.asyncio
async def test_dropped_sockets_are_survived(sandbox_server, account, market, faults):
    _, watcher = await scenario(sandbox_server, account, market, faults, {"ws_drop_rate": 0.15}, n=30)
    assert watcher.ws.stats["reconnects"] >= 1


@pytest.mark.asyncio
async def test_forced_seq_gaps_trigger_a_resnapshot(sandbox_server, account, market, faults):
    _, watcher = await scenario(sandbox_server, account, market, faults, {"seq_gap_rate": 0.3}, n=30)
    assert watcher.ws.stats["gaps"] >= 1
    assert watcher.ws.stats["resnapshots"] >= 1
    assert watcher.of(w.BookInvalidated)
    assert len(watcher.of(w.BookSnapshot)) >= 2
