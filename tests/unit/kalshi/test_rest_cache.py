"""The metadata cache on the REST client: single items and list pages (markets, events, series),
keyed by the whole query, with single flight."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from execution.kalshi.cache import MemoryBackend, MetadataCache
from execution.kalshi.rest import KalshiClient
from tests.unit.kalshi import samples as s
from tests.unit.kalshi.fakes import response

BASE = "https://external-api.demo.kalshi.co/trade-api/v2"


class SlowExchange:
    """A thread-safe stand-in for requests.Session: answers list pages after a delay and counts
    the calls per (path, query)."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        path = urlsplit(url).path.removeprefix("/trade-api/v2")
        params = dict(kwargs.get("params") or {})
        with self.lock:
            self.calls.append((path, params))
        time.sleep(self.delay)
        if path == "/markets":
            ticker = params.get("event_ticker", "KXT") + ("-2" if params.get("cursor") else "-1")
            cursor = "" if params.get("cursor") else "page-2"
            return response(200, {"markets": [s.MARKET | {"ticker": ticker}], "cursor": cursor})
        if path == "/events":
            return response(200, {"events": [s.EVENT | {"series_ticker": params["series_ticker"]}]})
        if path == "/series":
            return response(200, {"series": [s.SERIES | {"category": params.get("category", "")}]})
        raise AssertionError(f"unexpected {method} {url}")

    def count(self, path: str) -> int:
        return sum(p == path for p, _ in self.calls)

    def close(self) -> None:
        pass


def make(exchange: SlowExchange, cache: MetadataCache | None = None) -> KalshiClient:
    return KalshiClient(
        BASE,
        environment="demo",
        session=exchange,  # type: ignore[arg-type]
        cache=cache or MetadataCache(MemoryBackend()),
    )


def concurrently(n: int, call: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = []

    def run() -> None:
        barrier.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_a_hundred_concurrent_identical_market_lists_cause_one_upstream_call_per_page():
    exchange = SlowExchange()
    client = make(exchange)
    results = concurrently(100, lambda: [m.ticker for m in client.markets(event_ticker="KXE")])
    assert results == [["KXE-1", "KXE-2"]] * 100
    assert exchange.count("/markets") == 2  # two pages, each fetched once
    assert [p.get("cursor") for _, p in exchange.calls] == [None, "page-2"]


def test_different_filters_limits_and_cursors_are_different_keys():
    exchange = SlowExchange(delay=0)
    client = make(exchange)
    list(client.markets(event_ticker="KXA"))
    list(client.markets(event_ticker="KXA"))  # cached: both pages
    assert exchange.count("/markets") == 2
    list(client.markets(event_ticker="KXB"))
    assert exchange.count("/markets") == 4
    list(client.markets(event_ticker="KXA", page_size=5))
    assert exchange.count("/markets") == 6
    list(client.markets(event_ticker="KXA", status="open"))
    assert exchange.count("/markets") == 8
    list(client.markets(event_ticker="KXA", cached=False))
    assert exchange.count("/markets") == 10


def test_event_and_series_lists_are_cached_by_query():
    exchange = SlowExchange()
    client = make(exchange)
    results = concurrently(100, lambda: [e.series_ticker for e in client.events(series_ticker="KXS")])
    assert results == [["KXS"]] * 100
    assert exchange.count("/events") == 1
    list(client.events(series_ticker="KXOTHER"))
    assert exchange.count("/events") == 2

    results = concurrently(100, lambda: [x.category for x in client.series_list(category="Climate")])
    assert results == [["Climate"]] * 100
    assert exchange.count("/series") == 1
    client.series_list(category="Sports")
    client.series_list(category="Sports", cached=False)
    assert exchange.count("/series") == 3


def test_list_pages_expire_with_the_same_ttl():
    clock = [0.0]
    exchange = SlowExchange(delay=0)
    cache = MetadataCache(MemoryBackend(clock=lambda: clock[0]), ttl=15, clock=lambda: clock[0])
    client = make(exchange, cache)
    client.series_list()
    clock[0] = 14.9
    client.series_list()
    assert exchange.count("/series") == 1
    clock[0] = 15.0
    client.series_list()
    assert exchange.count("/series") == 2


def test_without_a_cache_every_list_goes_to_the_exchange():
    exchange = SlowExchange(delay=0)
    client = KalshiClient(BASE, environment="demo", session=exchange)  # type: ignore[arg-type]
    client.series_list()
    client.series_list()
    assert exchange.count("/series") == 2
