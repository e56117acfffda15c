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
from execution.kalshi.errors import KalshiError
from execution.kalshi.models import OrderBook, OrderRequest
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


@pytest.mark.asyncio
async def test_a_silent_connection_is_noticed_reopened_and_resynchronised(
    sandbox_server, account, market, faults
):
    client = client_for(sandbox_server, *account)
    ws = ws_for(sandbox_server, *account, silence_timeout=1.0, ping_interval=0.25)
    async with Watcher(ws) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [market])
        await watcher.until(lambda: watcher.of(w.BookSnapshot), what="snapshot")
        faults(ws_silence_rate=1.0)  # the open connection goes quiet: no data, no pings, no pongs
        ids = await asyncio.to_thread(trade_a_little, client, market, 6)  # the book moves meanwhile
        await watcher.until(lambda: watcher.ws.stats["silences"] >= 1, timeout=10, what="silence")
        await watcher.until(lambda: len(watcher.of(w.Connected)) >= 2, timeout=10, what="reconnect")
        await book_matches_rest(watcher, client, market, timeout=15)
        assert "silent connection" in [d.reason for d in watcher.of(w.Disconnected)]
        assert len(watcher.of(w.BookSnapshot)) >= 2  # resubscribed: a fresh snapshot
        # The new connection is live: a change after the reconnect reaches the local book.
        await asyncio.to_thread(
            client.create_order, OrderRequest.buy_yes(market, 1500, 700, client_order_id=str(uuid.uuid4()))
        )
        await watcher.until(lambda: (1500, 700) in (watcher.ws.book(market) or m_empty).yes_bids)
        await book_matches_rest(watcher, client, market)
        await asyncio.to_thread(exactly_one_order_each, client, market, ids)


m_empty = OrderBook("", (), ())


def test_creates_and_batch_creates_whose_answers_fail_after_the_effect_make_one_order_each(
    sandbox_server, account, market, faults
):
    recorder = Recorder()
    client = client_for(sandbox_server, *account, call_hook=recorder)
    faults(error_after_rate=0.5)
    requests_ = [
        OrderRequest.buy_yes(market, 3000 + i * 100, 100 + i, client_order_id=str(uuid.uuid4()))
        for i in range(8)
    ]
    singles = [client.create_order(r) for r in requests_[:4]]
    batched = client.batch_create(requests_[4:])
    sandbox_server.admin("DELETE", "/faults")
    assert all(item.ok for item in batched)
    results = [*singles, *(item.result for item in batched if item.result is not None)]
    assert [r.client_order_id for r in results] == [r.client_order_id for r in requests_]
    assert len({r.order_id for r in results}) == 8
    assert any(r.duplicate for r in results)  # some answers were lost and the order was looked up
    assert sum(r.status == 500 for r in recorder.records) >= 2
    exactly_one_order_each(client, market, [r.client_order_id or "" for r in requests_])
    assert client.orderbook(market).yes_bids == tuple((3000 + i * 100, 100 + i) for i in range(8))


def test_cancels_whose_answers_fail_after_the_effect_end_cancelled_without_an_error(
    sandbox_server, account, market, faults
):
    recorder = Recorder()
    client = client_for(sandbox_server, *account, call_hook=recorder)
    placed = [
        client.create_order(
            OrderRequest.buy_yes(market, 2000 + i * 100, 200, client_order_id=str(uuid.uuid4()))
        )
        for i in range(8)
    ]
    faults(error_after_rate=1.0)  # every successful write loses its answer
    single = [client.cancel_order(p.order_id) for p in placed[:4]]

    def sleep(seconds: float) -> None:
        sandbox_server.admin("DELETE", "/faults")  # the answer of the retry arrives
        time.sleep(seconds)

    batch_client = client_for(sandbox_server, *account, call_hook=recorder, sleep=sleep)
    batch = batch_client.batch_cancel([p.order_id for p in placed[4:]])
    sandbox_server.admin("DELETE", "/faults")
    # Documented outcome: the retry finds each order gone and answers from the order itself.
    assert all(r.from_lookup and r.reduced_by == 200 for r in single)
    assert [(i.result.from_lookup, i.result.reduced_by) for i in batch if i.result] == [(True, 200)] * 4
    assert all(client.order(p.order_id).status == "canceled" for p in placed)
    assert client.orderbook(market).yes_bids == ()
    assert sum(r.status == 500 for r in recorder.records) == 5  # four cancels and one batch


# ----------------------------------------------------------------------------- the whole workload


def settle_ambiguous(action: Any, done: Any, attempts: int = 10) -> None:
    """What a caller does for a write the client does not retry after an ambiguous failure
    (amend, decrease reduce_by): look whether it happened, and only if not, send it again."""
    for _ in range(attempts):
        try:
            action()
            return
        except KalshiError as exc:
            if not exc.retryable:
                raise
            if done():
                return
    raise AssertionError("the write never went through")


def every_kind_of_call(client: KalshiClient, bob: KalshiClient, market: str) -> dict[str, Any]:
    """Creates, a batch create, amend, decrease (by and to), cancel, batch cancel, a trade, then
    fills and positions iterated in small pages. Returns what the final state must be."""
    new = lambda: str(uuid.uuid4())  # noqa: E731
    singles = [OrderRequest.buy_yes(market, 3000 + i * 100, 200, client_order_id=new()) for i in range(6)]
    placed = [client.create_order(r) for r in singles]
    batch = [OrderRequest.buy_yes(market, 2000 + i * 100, 100, client_order_id=new()) for i in range(4)]
    items = client.batch_create(batch)
    assert all(item.ok for item in items), [item.error for item in items]

    # Amend order 0: 0.30 x 2 -> 0.29 x 1.5, under a new client_order_id.
    amended_id = new()

    def amended() -> bool:
        found = client.find_order(amended_id, ticker=market)
        return found is not None and (found.yes_price, found.remaining_count) == (2900, 150)

    settle_ambiguous(
        lambda: client.amend_order(
            placed[0].order_id,
            ticker=market,
            side="bid",
            price=2900,
            count=150,
            client_order_id=singles[0].client_order_id,
            updated_client_order_id=amended_id,
        ),
        amended,
    )
    # reduce_by is relative: never resent by the client after an ambiguous failure.
    settle_ambiguous(
        lambda: client.decrease_order(placed[1].order_id, reduce_by=50),
        lambda: client.order(placed[1].order_id).remaining_count == 150,
    )
    assert client.decrease_order(placed[2].order_id, reduce_to=100).remaining_count == 100
    assert client.cancel_order(placed[3].order_id).reduced_by == 200
    order_ids = [item.result.order_id for item in items if item.result is not None]
    cancelled = client.batch_cancel(order_ids[:2])
    assert [c.result.reduced_by for c in cancelled if c.result] == [100, 100], [c.error for c in cancelled]

    # bob sells 1 YES into the best bid (order 5 at 0.35): one trade, one fill for us.
    taken = bob.create_order(
        OrderRequest.sell_yes(market, 3500, 100, time_in_force="immediate_or_cancel", client_order_id=new())
    )
    assert taken.fill_count == 100
    fills = list(client.fills(ticker=market, page_size=1))
    positions = list(client.positions(ticker=market, page_size=1))
    return {
        "ids": [amended_id, *(r.client_order_id for r in singles[1:]), *(r.client_order_id for r in batch)],
        "fills": [(f.order_id, f.count, f.yes_price) for f in fills],
        "positions": [(p.ticker, p.position) for p in positions],
        "fill_order": placed[5].order_id,
    }


EXPECTED_BIDS = ((2200, 100), (2300, 100), (2900, 150), (3100, 150), (3200, 100), (3400, 200), (3500, 100))


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "settings",
    [{"rate_429_rate": 0.4}, {"error_5xx_rate": 0.3}, {"error_after_rate": 0.3}],
    ids=["429-storm", "5xx-burst", "5xx-after-effect"],
)
async def test_every_kind_of_call_ends_in_the_right_state_under_faults(
    sandbox_server, account, market, faults, settings
):
    recorder = Recorder()
    client = client_for(sandbox_server, *account, call_hook=recorder)
    bob = client_for(sandbox_server, *sandbox_server.create_account(f"bob-{uuid.uuid4().hex[:6]}", "100.00"))
    async with Watcher(ws_for(sandbox_server, *account)) as watcher:
        await watcher.ws.subscribe([w.ORDERBOOK], [market])
        await watcher.until(lambda: watcher.of(w.BookSnapshot), what="snapshot")
        faults(**settings)
        outcome = await asyncio.to_thread(every_kind_of_call, client, bob, market)
        sandbox_server.admin("DELETE", "/faults")
        assert any(r.status in (429, 500, 503) for r in recorder.records)  # the faults did fire
        await book_matches_rest(watcher, client, market, timeout=15)
    # Each operation happened exactly once: the book is exactly what the calls asked for.
    assert client.orderbook(market).yes_bids == EXPECTED_BIDS
    exactly_one_order_each(client, market, outcome["ids"])
    assert outcome["fills"] == [(outcome["fill_order"], 100, 3500)]
    assert outcome["positions"] == [(market, 100)]
