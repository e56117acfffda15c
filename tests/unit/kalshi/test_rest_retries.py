"""Retries, idempotent creates and signing of the REST client, with a scripted session (no network)."""

from __future__ import annotations

import random

import pytest
import requests

from execution.kalshi import errors as e
from execution.kalshi.models import OrderRequest
from execution.kalshi.ratelimit import InMemoryRateLimiter
from execution.kalshi.rest import KalshiClient
from execution.kalshi.retry import RetryPolicy
from execution.kalshi.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, Signer, verify
from tests.conftest import rsa_private_key_pem
from tests.unit.kalshi import samples as s
from tests.unit.kalshi.fakes import ScriptedSession, Sleeps, response

BASE = "https://external-api.demo.kalshi.co/trade-api/v2"
TOO_MANY = response(429, {"error": "too many requests"})
UNAVAILABLE = response(503, {"error": {"code": "service_unavailable", "message": "down"}})
CREATED = s.example("orders__create-order-v2.yaml", "CreateOrderV2Response")


def make(session: ScriptedSession, **options) -> tuple[KalshiClient, Sleeps]:
    sleeps = Sleeps()
    client = KalshiClient(
        BASE,
        signer=Signer.from_pem("key-1", rsa_private_key_pem(0), clock=lambda: 1_700_000_000.0),
        environment="demo",
        session=session,  # type: ignore[arg-type]
        sleep=sleeps,
        rng=random.Random(1),
        **options,
    )
    return client, sleeps


def order(**kwargs) -> OrderRequest:
    return OrderRequest.buy_yes("KXT-1", 4500, 1000, **kwargs)


# The resting order that `order()` creates, as GET /portfolio/orders reports it.
PLACED = s.ORDER | {
    "ticker": "KXT-1",
    "book_side": "bid",
    "outcome_side": "yes",
    "yes_price_dollars": "0.4500",
    "no_price_dollars": "0.5500",
    "initial_count_fp": "10.00",
    "fill_count_fp": "0.00",
    "remaining_count_fp": "10.00",
}
EXISTS = response(409, {"error": {"code": "order_already_exists", "message": "exists"}})


def test_requests_are_signed_with_the_full_path_and_no_query():
    session = ScriptedSession(response(200, {"orders": [], "cursor": ""}))
    client, _ = make(session)
    assert list(client.orders(ticker="KXT-1")) == []
    sent = session.sent[0]
    assert sent["url"] == BASE + "/portfolio/orders"
    assert sent["params"]["ticker"] == "KXT-1"
    headers = sent["headers"]
    assert headers[TIMESTAMP_HEADER] == "1700000000000"
    public = Signer.from_pem("key-1", rsa_private_key_pem(0)).public_key()
    assert verify(
        public, headers[TIMESTAMP_HEADER], "GET", "/trade-api/v2/portfolio/orders", headers[SIGNATURE_HEADER]
    )
    assert sent["timeout"] == (3.05, 10.0)


def test_reads_retry_429_5xx_and_timeouts_with_growing_jittered_waits():
    session = ScriptedSession(
        TOO_MANY,
        UNAVAILABLE,
        requests.exceptions.ReadTimeout("slow"),
        response(200, {"balance": 1, "balance_dollars": "0.0100", "portfolio_value": 0, "updated_ts": 1}),
    )
    client, sleeps = make(session, retry=RetryPolicy(attempts=5, base=0.1, cap=5.0))
    assert client.balance().balance_micros == 10_000
    assert len(sleeps.calls) == 3
    assert all(0.02 <= wait <= 0.1 * 2**i for i, wait in enumerate(sleeps.calls))  # full jitter, never 0
    assert len(session.sent) == 4


def test_backoff_is_capped_and_attempts_are_bounded():
    session = ScriptedSession(*[TOO_MANY] * 6)
    client, sleeps = make(session, retry=RetryPolicy(attempts=6, base=1.0, cap=2.0))
    with pytest.raises(e.RateLimited):
        client.exchange_status()
    assert len(session.sent) == 6
    assert len(sleeps.calls) == 5
    assert max(sleeps.calls) <= 2.0


def test_a_permanent_error_is_not_retried():
    session = ScriptedSession(response(400, {"error": {"code": "invalid_price", "message": "invalid price"}}))
    client, sleeps = make(session)
    with pytest.raises(e.InvalidPrice):
        client.create_order(order(client_order_id="c-1"))
    assert sleeps.calls == []


def test_a_create_is_retried_after_a_timeout_and_a_409_finds_the_existing_order():
    existing = PLACED | {"client_order_id": "c-1"}
    session = ScriptedSession(
        requests.exceptions.ReadTimeout("the answer was lost"),
        response(409, {"error": {"code": "order_already_exists", "message": "exists"}}),
        response(200, {"orders": [s.ORDER | {"client_order_id": "other"}, existing], "cursor": ""}),
    )
    client, _ = make(session)
    result = client.create_order(order(client_order_id="c-1"))
    assert result.duplicate
    assert result.order_id == existing["order_id"]
    creates = [c for c in session.sent if c["method"] == "POST"]
    assert len(creates) == 2
    assert all(b'"client_order_id":"c-1"' in c["data"] for c in creates)  # the same id each time


def test_a_create_without_an_id_gets_a_generated_one_reused_on_retry():
    session = ScriptedSession(UNAVAILABLE, response(201, CREATED))
    client, _ = make(session)
    client.create_order(order())
    first, second = (c["data"] for c in session.sent)
    assert b"client_order_id" in first
    assert first == second


def test_the_409_lookup_waits_for_the_order_to_appear():
    session = ScriptedSession(
        response(409, {"error": {"code": "order_already_exists", "message": "exists"}}),
        response(200, {"orders": [], "cursor": ""}),
        response(200, {"orders": [PLACED | {"client_order_id": "c-2"}], "cursor": ""}),
    )
    client, sleeps = make(session)
    assert client.create_order(order(client_order_id="c-2")).duplicate
    assert len(sleeps.calls) == 1


def test_a_reused_id_of_another_market_is_reported_not_hidden():
    session = ScriptedSession(
        response(409, {"error": {"code": "order_already_exists", "message": "exists"}}),
        *[response(200, {"orders": [], "cursor": ""})] * 3,
    )
    client, _ = make(session, retry=RetryPolicy(attempts=3))
    with pytest.raises(e.OrderAlreadyExists, match="probably used for another market"):
        client.create_order(order(client_order_id="c-3"))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            {"yes_price_dollars": "0.4400", "no_price_dollars": "0.5600"},
            "price $0.4400 there, $0.4500 requested",
        ),
        ({"initial_count_fp": "5.00"}, "count 5.00 there, 10.00 requested"),
        ({"book_side": "ask", "outcome_side": "no"}, "side ask there, bid requested"),
    ],
)
def test_a_409_whose_order_is_a_different_one_is_a_conflict_not_a_duplicate(change, named):
    found = PLACED | {"client_order_id": "c-5"} | change
    session = ScriptedSession(EXISTS, response(200, {"orders": [found], "cursor": ""}))
    client, _ = make(session)
    with pytest.raises(e.ClientOrderIdConflict) as info:
        client.create_order(order(client_order_id="c-5"))
    conflict = info.value
    assert not conflict.retryable
    assert not isinstance(conflict, e.OrderAlreadyExists)  # never mistaken for an idempotent success
    assert (conflict.status, conflict.code) == (409, "order_already_exists")
    assert conflict.client_order_id == "c-5"
    assert conflict.existing_order_id == PLACED["order_id"]
    assert "client_order_id c-5" in conflict.message
    assert named in conflict.message
    assert len(session.sent) == 2  # one create, one lookup: never sent again


def test_a_batch_item_whose_id_names_a_different_order_reports_the_conflict():
    found = PLACED | {"client_order_id": "c-7", "yes_price_dollars": "0.3000", "no_price_dollars": "0.7000"}
    session = ScriptedSession(
        response(
            201,
            {
                "orders": [
                    CREATED | {"client_order_id": "c-6"},
                    {"client_order_id": "c-7", "error": {"code": "order_already_exists", "message": "x"}},
                ]
            },
        ),
        response(200, {"orders": [found], "cursor": ""}),
    )
    client, _ = make(session)
    first, second = client.batch_create([order(client_order_id="c-6"), order(client_order_id="c-7")])
    assert first.ok
    assert isinstance(second.error, e.ClientOrderIdConflict)
    assert second.error.differences == {"price": ("$0.3000", "$0.4500")}


def test_trading_paused_is_not_mistaken_for_a_duplicate():
    session = ScriptedSession(response(409, {"error": {"code": "trading_is_paused", "message": "paused"}}))
    client, sleeps = make(session)
    with pytest.raises(e.TradingPaused):
        client.create_order(order(client_order_id="c-4"))
    assert len(session.sent) == 1
    assert sleeps.calls == []


def test_an_amend_is_only_retried_when_the_exchange_surely_did_nothing():
    session = ScriptedSession(TOO_MANY, UNAVAILABLE)
    client, _ = make(session)
    with pytest.raises(e.ServiceUnavailable):
        client.amend_order("o-1", ticker="KXT-1", side="bid", price=4500, count=100)
    assert len(session.sent) == 2  # the 429 was retried, the ambiguous 503 was not


def test_decrease_by_is_not_repeated_after_an_ambiguous_failure_but_decrease_to_is():
    session = ScriptedSession(UNAVAILABLE)
    client, _ = make(session)
    with pytest.raises(e.ServiceUnavailable):
        client.decrease_order("o-1", reduce_by=100)
    session.add(UNAVAILABLE, response(200, {"order_id": "o-1", "remaining_count": "1.00", "ts_ms": 1}))
    assert client.decrease_order("o-1", reduce_to=100).remaining_count == 100


def test_a_retried_reduce_to_refused_because_the_first_attempt_did_it_is_confirmed_from_the_order():
    session = ScriptedSession(
        response(500, {"error": {"code": "internal_error", "message": "lost"}}),  # it ran, answer lost
        response(400, {"error": {"code": "invalid_order_size", "message": "below the remaining count"}}),
        response(200, {"order": PLACED | {"remaining_count_fp": "1.00"}}),
    )
    client, _ = make(session)
    result = client.decrease_order(PLACED["order_id"], reduce_to=100)
    assert (result.remaining_count, result.from_lookup) == (100, True)
    # Without an earlier ambiguous attempt, the refusal is the caller's.
    session.add(response(400, {"error": {"code": "invalid_order_size", "message": "below"}}))
    with pytest.raises(e.InvalidOrderSize):
        client.decrease_order(PLACED["order_id"], reduce_to=100)
    # And if the order still has more than asked, the refusal stands.
    session.add(
        UNAVAILABLE,
        response(400, {"error": {"code": "invalid_order_size", "message": "below"}}),
        response(200, {"order": PLACED}),
    )
    with pytest.raises(e.InvalidOrderSize):
        client.decrease_order(PLACED["order_id"], reduce_to=100)


def test_a_cancel_whose_first_answer_was_lost_is_confirmed_from_the_order():
    session = ScriptedSession(
        requests.exceptions.ReadTimeout("lost"),
        response(404, {"error": {"code": "not_found", "message": "order not found"}}),
        response(
            200,
            {
                "order": s.ORDER
                | {"status": "canceled", "fill_count_fp": "2.00", "remaining_count_fp": "0.00"}
            },
        ),
    )
    client, _ = make(session)
    result = client.cancel_order(s.ORDER["order_id"])
    assert result.from_lookup
    assert result.reduced_by == 800


def test_a_malformed_success_body_is_an_error():
    session = ScriptedSession(
        response(200, raw=b"<html>"), response(200, {"market": s.MARKET | {"yes_bid_dollars": "x"}})
    )
    client, _ = make(session)
    with pytest.raises(e.ResponseFormatError):
        client.exchange_status()
    with pytest.raises(e.ResponseFormatError):
        client.market("KXT-1")


def test_a_pagination_loop_is_detected():
    page = {"markets": [s.MARKET], "cursor": "same"}
    session = ScriptedSession(response(200, page), response(200, page))
    client, _ = make(session)
    with pytest.raises(e.ResponseFormatError, match="repeated a pagination cursor"):
        list(client.markets())


def test_path_segments_are_escaped_before_signing():
    session = ScriptedSession(response(200, {"order": s.ORDER}))
    client, _ = make(session)
    client.order("../balance?x=1")
    assert session.sent[0]["url"] == BASE + "/portfolio/orders/..%2Fbalance%3Fx%3D1"


def test_the_limiter_waits_for_tokens_before_sending():
    clock = [0.0]
    limiter = InMemoryRateLimiter(clock=lambda: clock[0])
    session = ScriptedSession(*[response(201, CREATED)] * 12)
    client, sleeps = make(session, limiter=limiter)
    for i in range(12):
        client.create_order(order(client_order_id=f"c-{i}"))
    # Basic write bucket, paced with headroom (90 tokens, 98/s), 10 per create: nine go at once,
    # then each waits one more refill of 10 tokens.
    assert sleeps.calls == pytest.approx([10 / 98, 20 / 98, 30 / 98])


def test_a_request_the_limiter_cannot_fit_soon_is_refused_locally():
    limiter = InMemoryRateLimiter(clock=lambda: 0.0)
    session = ScriptedSession(*[response(201, CREATED)] * 9)
    client, _ = make(session, limiter=limiter, max_wait=0.05)
    for i in range(9):
        client.create_order(order(client_order_id=f"c-{i}"))
    with pytest.raises(e.RateLimitWaitTooLong):
        client.create_order(order(client_order_id="c-9"))
    assert len(session.sent) == 9


def test_the_call_hook_sees_each_attempt_and_a_failing_hook_is_harmless():
    records = []

    def hook(record):
        records.append(record)
        raise RuntimeError("the hook is broken")

    session = ScriptedSession(TOO_MANY, response(200, s.STATUS, headers={"x-request-id": "req-9"}))
    client, _ = make(session, call_hook=hook, credential_id=42)
    client.exchange_status()
    assert [(r.status, r.error_code, r.attempt, r.request_id) for r in records] == [
        (429, "", 1, None),
        (200, "", 2, "req-9"),
    ]
    assert records[0].credential_id == "42"
