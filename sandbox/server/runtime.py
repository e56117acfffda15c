"""The running exchange: the engine on the event loop, the durable journal, and the database sync.

Write path (every command, in one order):

1. the handler stamps the command with ``ts_ms`` (monotonic) and the engine applies it at once, on
   the event loop thread, so the engine sees commands in exactly the journal's order;
2. accepted commands (and a Tick first, whenever time has made something due) are queued for the
   journal; rejected ones change nothing and are answered at once;
3. one writer task appends everything queued to the database in a single transaction (group
   commit), then publishes the commands' WebSocket events and releases the waiting handlers.

So nothing is acknowledged before it is durable, and on start the engine replays the journal.
If a journal write ever fails, the engine is ahead of the journal: the server stops accepting
commands (503) and must be restarted, which replays the journal and drops the unacknowledged tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, connection

from sandbox import engine, services
from sandbox.engine.commands import Command, Deposit, Init, ListMarket, OpenAccount, SetSeriesFees, Tick
from sandbox.engine.events import Result
from sandbox.engine.exchange import Exchange
from sandbox.engine.journal import decode, encode
from sandbox.engine.units import MICRO_PER_CENT
from sandbox.models import SandboxMarket
from sandbox.server.auth import SignatureVerifier
from sandbox.server.catalog import Catalog
from sandbox.server.faults import Faults
from sandbox.server.ratelimit import TIERS, RateLimiter
from sandbox.server.wire import ms_of

logger = logging.getLogger("sandbox")
T = TypeVar("T")


class JournalUnavailable(RuntimeError):
    """The journal could not be written; the server no longer accepts commands."""


def list_market_command(
    ts_ms: int, row: SandboxMarket, fee_type: str, fee_multiplier_bp: int, series: str
) -> ListMarket:
    """The engine command that puts a stored market definition on the exchange."""
    return ListMarket(
        ts_ms,
        row.ticker,
        row.event_id,
        series,
        row.market_type,
        row.price_level_structure,
        tuple((int(a), int(b), int(c)) for a, b, c in row.price_ranges),
        fee_type,
        fee_multiplier_bp,
        ms_of(row.open_time),
        ms_of(row.close_time),
        row.settlement_timer_seconds,
        row.can_close_early,
    )


async def _close_connections(pool: ThreadPoolExecutor, threads: int) -> None:
    """Close the database connection of each thread of a pool (so the database can be dropped)."""
    barrier = threading.Barrier(threads, timeout=5)

    def close() -> None:
        connection.close()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # keeps this thread busy so the next call lands on another one

    loop = asyncio.get_running_loop()
    with contextlib.suppress(Exception):
        await asyncio.gather(*(loop.run_in_executor(pool, close) for _ in range(threads)))


class Runtime:
    """Owns the exchange and everything around it for one server process."""

    def __init__(
        self, *, seed: int = 0, rate_limit_tier: str | None = "basic", clock: Callable[[], float] = time.time
    ) -> None:
        from sandbox.server.hub import Hub  # the hub formats from the runtime's state

        self.seed = seed
        self.clock = clock
        self.exchange = Exchange(seed)
        self.catalog = Catalog()
        self.faults = Faults(seed)
        self.limiter = RateLimiter(TIERS[rate_limit_tier] if rate_limit_tier else None)
        self.verifier = SignatureVerifier(self._lookup_key, clock)
        self.hub = Hub(self)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sandbox-journal")
        self._reader = ThreadPoolExecutor(2, thread_name_prefix="sandbox-db")
        self._pending: list[tuple[int, str, list[Any], asyncio.Future[None] | None]] = []
        self._wake = asyncio.Event()
        self._journal_seq = 0
        self._last_ts = 0
        self._tasks: list[asyncio.Task[None]] = []
        self.failure: BaseException | None = None
        self.started = False
        self.on_fatal: Callable[[], None] | None = None

    # ----------------------------------------------------------------------------- threads

    async def in_db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a database function in the reader pool (never on the event loop)."""

        def call() -> T:
            try:
                return fn(*args, **kwargs)
            except (OperationalError, InterfaceError):
                connection.close()  # a dropped connection: reconnect once
                return fn(*args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(self._reader, call)

    async def _lookup_key(self, key_id: str) -> tuple[str, str] | None:
        return await self.in_db(services.key_lookup, key_id=key_id)

    # ----------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Load definitions, replay the journal, bring the database and the engine in line."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self._load)
        self.hub.reset_books()
        self._tasks = [
            asyncio.create_task(self._write_loop(), name="sandbox-journal-writer"),
            asyncio.create_task(self._clock_loop(), name="sandbox-clock"),
            asyncio.create_task(self._sync_loop(), name="sandbox-db-sync"),
        ]
        if self._journal_seq == 0:
            await self.submit(Init(self.stamp(), self.seed))
        await self.sync_database()
        self.started = True

    def _load(self) -> None:
        series, events, markets = services.catalog_load()
        self.catalog.load(series, events, markets)
        started = time.perf_counter()
        count = 0
        exchange = self.exchange
        for seq, line in services.journal_lines():
            command = decode(line)
            if count == 0 and isinstance(command, Init):
                exchange = self.exchange = Exchange(command.seed)
            exchange.apply(command)
            exchange.events.clear()
            self._journal_seq = seq
            count += 1
        self._last_ts = exchange.now_ms
        logger.info(
            "sandbox: engine %s; replayed %d journal entries in %.2fs",
            "compiled (mypyc)" if engine.COMPILED else "from source (no current build: make install)",
            count,
            time.perf_counter() - started,
        )

    async def stop(self) -> None:
        """Flush what is queued, then stop the background tasks."""
        if self._pending and self.failure is None:
            done = asyncio.get_running_loop().create_future()
            self._pending.append((0, "", [], done))
            self._wake.set()
            with contextlib.suppress(TimeoutError, JournalUnavailable):
                await asyncio.wait_for(done, timeout=10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.hub.close_all()
        await asyncio.gather(_close_connections(self._writer, 1), _close_connections(self._reader, 2))
        self._writer.shutdown(wait=False, cancel_futures=True)
        self._reader.shutdown(wait=False, cancel_futures=True)

    async def sync_database(self) -> None:
        """Journal what the database knows and the engine does not: members, markets, deposits."""
        account_ids = await self.in_db(services.account_ids)
        for account_id in account_ids:
            if account_id not in self.exchange.accounts:
                await self.submit(OpenAccount(self.stamp(), account_id))
        _, _, markets = await self.in_db(services.catalog_load)
        for row in markets:
            if row.ticker not in self.exchange.markets:
                event = self.catalog.events.get(row.event_id)
                info = self.catalog.series.get(event.series_ticker) if event else None
                if info is None:
                    continue
                await self.submit(
                    list_market_command(self.stamp(), row, info.fee_type, info.fee_multiplier_bp, info.ticker)
                )
        await self.journal_pending_deposits()
        await self.sync_series_fees()

    async def sync_series_fees(self) -> None:
        """Journal a fee change for each series whose markets charge other fees than the catalog
        says (the admin API updates a series there): existing markets follow their series' fee
        schedule, as on Kalshi (API.md §9; GET /series/fee_changes). Runs at start and after
        each series update."""
        series = self.catalog.series
        stale = sorted(
            {
                market.series_ticker
                for market in self.exchange.markets.values()
                if (info := series.get(market.series_ticker)) is not None
                and (market.fee_type, market.fee_multiplier) != (info.fee_type, info.fee_multiplier_bp)
            }
        )
        for ticker in stale:
            info = series[ticker]
            result = await self.submit(
                SetSeriesFees(self.stamp(), ticker, info.fee_type, info.fee_multiplier_bp)
            )
            if result.error is not None:
                logger.warning("sandbox: fee change of %s refused: %s", ticker, result.error.message)

    async def journal_pending_deposits(self) -> None:
        """Journal deposits recorded in the database (by the admin API or `sandbox_key`)."""
        pending = await self.in_db(services.deposit_pending)
        done: list[str] = []
        for deposit_id, account_id, cents in pending:
            if account_id not in self.exchange.accounts:
                await self.submit(OpenAccount(self.stamp(), account_id))
            result = await self.submit(Deposit(self.stamp(), account_id, deposit_id, cents * MICRO_PER_CENT))
            if result.error is None or deposit_id in self.exchange.deposit_ids:
                done.append(deposit_id)
            else:
                logger.warning("sandbox: deposit %s refused: %s", deposit_id, result.error.message)
                done.append(deposit_id)
        if done:
            await self.in_db(services.deposit_mark_journaled, deposit_ids=done)

    # ----------------------------------------------------------------------------- commands

    def stamp(self) -> int:
        """The timestamp of the next command: wall-clock milliseconds, never going backwards."""
        now = int(self.clock() * 1000)
        if now > self._last_ts:
            self._last_ts = now
        return self._last_ts

    def apply(self, command: Command) -> tuple[Result, asyncio.Future[None] | None]:
        """Apply a command now; returns its result and the future of its durability (None if rejected).

        Must be called without an `await` between stamping and applying, so commands reach the
        engine in timestamp order.
        """
        if self.failure is not None:
            raise JournalUnavailable("the journal is unavailable; restart the sandbox")
        exchange = self.exchange
        try:
            if command.ts_ms >= exchange.next_due_ms():
                tick = Tick(command.ts_ms)
                exchange.apply(tick)
                self._enqueue(encode(tick), exchange.drain_events(), None)
            result = exchange.apply(command)
        except Exception as exc:
            # An engine bug may have left a half-applied command: stop taking commands rather than
            # diverge from the journal (a restart replays the journal to a consistent state).
            logger.critical(
                "sandbox: the engine failed on %r; refusing further commands", command, exc_info=True
            )
            self.failure = exc
            if self.on_fatal is not None:
                self.on_fatal()
            raise JournalUnavailable("the engine failed; restart the sandbox") from exc
        events = exchange.drain_events()
        if result.error is not None and not events:
            return result, None  # a rejection changes nothing: no journal entry
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._enqueue(encode(command), events, future)
        return result, future

    def _enqueue(self, line: str, events: list[Any], future: asyncio.Future[None] | None) -> None:
        self._journal_seq += 1
        self._pending.append((self._journal_seq, line, events, future))
        self._wake.set()

    async def submit(self, command: Command) -> Result:
        """Apply a command and wait until it is durable."""
        result, durable = self.apply(command)
        if durable is not None:
            await durable
        return result

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch, self._pending = self._pending, []
                rows = [(seq, line) for seq, line, _, _ in batch if line]
                try:
                    if rows:
                        await loop.run_in_executor(
                            self._writer, functools.partial(services.journal_append, entries=rows)
                        )
                except Exception as exc:  # the engine is now ahead of the journal
                    logger.critical("sandbox: journal write failed, refusing further commands: %s", exc)
                    self.failure = exc
                    for _, _, _, future in batch + self._pending:
                        if future is not None and not future.done():
                            future.set_exception(JournalUnavailable(str(exc)))
                    self._pending = []
                    if self.on_fatal is not None:
                        self.on_fatal()
                    return
                for _, _, events, future in batch:
                    if events:
                        self.hub.publish(events)
                    if future is not None and not future.done():
                        future.set_result(None)

    async def _clock_loop(self) -> None:
        """Let time act (markets open/close/settle, orders expire) even when nobody trades."""
        while True:
            await asyncio.sleep(0.05)
            if self.failure is None and self.stamp() >= self.exchange.next_due_ms():
                try:
                    await self.submit(Tick(self.stamp()))
                except JournalUnavailable:
                    return

    async def _sync_loop(self) -> None:
        """Pick up deposits written to the database by other processes (`sandbox_key`)."""
        while True:
            await asyncio.sleep(1.0)
            if not self.started or self.failure is not None:
                continue
            try:
                await self.journal_pending_deposits()
            except JournalUnavailable:
                return
            except Exception:
                logger.exception("sandbox: deposit sync failed")

    # ----------------------------------------------------------------------------- helpers

    def now_ms(self) -> int:
        """Wall-clock milliseconds (for read-only views such as 24 h volume)."""
        return int(self.clock() * 1000)
