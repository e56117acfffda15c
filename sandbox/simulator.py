"""Seeded simulated traders, so the sandbox always has live books and trades.

* Three series of long-lived markets (10 markets) and one series of short-lived "flash" markets
  that open, close after a few minutes, settle on their hidden fair value, and are replaced.
* Each market has a hidden fair value doing a random walk in log-odds space.
* Market makers quote a bid and an ask around the fair value (two makers per market, different
  spreads and sizes) and requote when it moves; noise takers send immediate-or-cancel orders that
  cross the spread now and then.

Everything goes through the same runtime as API traffic: commands are journaled before they take
effect, so simulated trades survive restarts like everyone else's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import random
from dataclasses import dataclass, field
from typing import Final

from sandbox.engine import book as bk
from sandbox.engine.commands import CancelOrder, CreateOrder, Determine, Settle
from sandbox.engine.markets import ACTIVE, CLOSED, DETERMINED, FINALIZED
from sandbox.engine.units import COUNT_ONE, PRICE_ONE
from sandbox.models import SandboxAccount, SandboxMarket
from sandbox.server.admin_api import account_open, event_create, market_create, series_create
from sandbox.server.runtime import JournalUnavailable, Runtime

logger = logging.getLogger("sandbox.simulator")

TICK_S: Final = 1.0
FLASH_SERIES: Final = "SBXFLASH"
FLASH_LIFETIME_S: Final = 180
MAKERS: Final = ("sim-maker-1", "sim-maker-2")
TAKERS: Final = ("sim-taker-1", "sim-taker-2", "sim-taker-3")
SIM_BALANCE_CENTS: Final = 1_000_000_000  # $10M each
# (series, title, category, fee type, event suffix, event title, markets: (suffix, yes_sub_title, fair value))
LONG_LIVED: Final = (
    (
        "SBXTEMP",
        "Sandbox City high temperature",
        "Climate and Weather",
        "quadratic",
        "NEXT",
        "High temperature in Sandbox City tomorrow",
        (
            ("T60", "60° or above", 0.72),
            ("T70", "70° or above", 0.45),
            ("T80", "80° or above", 0.18),
            ("T90", "90° or above", 0.04),
        ),
    ),
    (
        "SBXRATE",
        "Sandbox central bank rate decision",
        "Economics",
        "quadratic_with_maker_fees",
        "NEXT",
        "Rate decision at the next meeting",
        (("CUT", "Cut", 0.22), ("HOLD", "Hold", 0.63), ("HIKE", "Hike", 0.15)),
    ),
    (
        "SBXGAME",
        "Sandbox league final",
        "Sports",
        "quadratic",
        "FINAL",
        "Who wins the Sandbox league final",
        (("RED", "Red team", 0.41), ("BLUE", "Blue team", 0.37), ("GREEN", "Green team", 0.22)),
    ),
)
LONG_LIVED_DAYS: Final = 365


@dataclass
class SimMarket:
    """The simulator's view of one market."""

    ticker: str
    logit: float
    spread_ticks: int = 2
    quoted_mid: int = 0
    quoted_at: float = 0.0
    quotes: dict[str, list[str]] = field(default_factory=dict)  # maker -> live order ids

    @property
    def fair(self) -> float:
        """The hidden fair YES probability."""
        return 1 / (1 + math.exp(-self.logit))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


class Simulator:
    """Runs the agents until cancelled."""

    def __init__(self, runtime: Runtime, seed: int = 0, flash_lifetime_s: int | None = None) -> None:
        self.runtime = runtime
        self.flash_lifetime_s = flash_lifetime_s or FLASH_LIFETIME_S
        self.flash_every_s = self.flash_lifetime_s / 2
        self.random = random.Random(seed)
        self.accounts: dict[str, str] = {}
        self.markets: dict[str, SimMarket] = {}
        self.flash_created_at = 0.0

    async def run(self) -> None:
        """Set up, then trade every tick."""
        try:
            await self._setup()
            while True:
                await self.step()
                await asyncio.sleep(TICK_S)
        except asyncio.CancelledError:
            raise
        except JournalUnavailable:
            return
        except Exception:
            logger.exception("sandbox simulator stopped")

    # ----------------------------------------------------------------------------- setup

    async def _setup(self) -> None:
        existing = await self.runtime.in_db(
            lambda: {a.name: str(a.id) for a in SandboxAccount.objects.filter(is_simulator=True)}
        )
        for name in MAKERS + TAKERS:
            account_id = existing.get(name)
            if account_id is None:
                key = await account_open(
                    self.runtime, name=name, balance_cents=SIM_BALANCE_CENTS, is_simulator=True
                )
                account_id = key.account_id
            self.accounts[name] = account_id
        now = dt.datetime.now(tz=dt.UTC)
        for series, title, category, fee_type, event_suffix, event_title, markets in LONG_LIVED:
            if series not in self.runtime.catalog.series:
                await series_create(
                    self.runtime, ticker=series, title=title, category=category, fee_type=fee_type
                )
            event_ticker = f"{series}-{event_suffix}"
            if event_ticker not in self.runtime.catalog.events:
                await event_create(
                    self.runtime,
                    event_ticker=event_ticker,
                    series_ticker=series,
                    title=event_title,
                    mutually_exclusive=True,
                )
            for suffix, yes_sub_title, fair in markets:
                ticker = f"{event_ticker}-{suffix}"
                market = self.runtime.exchange.markets.get(ticker)
                if market is not None and market.status != ACTIVE:
                    continue  # paused, closed or settled by an admin: leave it alone
                if market is None:
                    await market_create(
                        self.runtime,
                        SandboxMarket(
                            ticker=ticker,
                            event_id=event_ticker,
                            title=f"{event_title}: {yes_sub_title}?",
                            yes_sub_title=yes_sub_title,
                            no_sub_title=f"Not {yes_sub_title.lower()}",
                            rules_primary=f"Resolves YES if the outcome is {yes_sub_title}.",
                            price_level_structure="linear_cent"
                            if fee_type == "quadratic"
                            else "tapered_deci_cent",
                            price_ranges=[list(b) for b in _structure(fee_type)],
                            open_time=now,
                            close_time=now + dt.timedelta(days=LONG_LIVED_DAYS),
                            latest_expiration_time=now + dt.timedelta(days=LONG_LIVED_DAYS + 1),
                            settlement_timer_seconds=60,
                        ),
                    )
                self.markets[ticker] = SimMarket(
                    ticker, _logit(fair), spread_ticks=self.random.choice([2, 3, 4])
                )
        if FLASH_SERIES not in self.runtime.catalog.series:
            await series_create(
                self.runtime,
                ticker=FLASH_SERIES,
                title="Sandbox coin flash",
                category="Financials",
                frequency="custom",
            )
        for ticker, market in self.runtime.exchange.markets.items():
            if ticker.startswith(FLASH_SERIES + "-") and market.status == ACTIVE:
                self.markets[ticker] = SimMarket(ticker, self.random.uniform(-1.0, 1.0))
                self.flash_created_at = max(self.flash_created_at, market.created_ms / 1000)

    # ----------------------------------------------------------------------------- trading

    async def step(self) -> None:
        """One tick: flash market lifecycle, fair values, quotes, noise trades."""
        await self._flash_lifecycle()
        for market in list(self.markets.values()):
            engine_market = self.runtime.exchange.markets.get(market.ticker)
            if engine_market is None or engine_market.status != ACTIVE:
                continue
            market.logit += self.random.gauss(0, 0.03)
            market.logit = max(-4.0, min(4.0, market.logit))
            await self._quote(market)
            if self.random.random() < 0.15:
                await self._noise_trade(market)

    async def _quote(self, market: SimMarket) -> None:
        engine_market = self.runtime.exchange.markets[market.ticker]
        grid = engine_market.grid
        mid = round(market.fair * 100) * 100
        now = self.runtime.clock()
        orders = self.runtime.exchange.orders
        quotes_live = bool(market.quotes) and all(
            orders[order_id].status == bk.RESTING for ids in market.quotes.values() for order_id in ids
        )
        if abs(mid - market.quoted_mid) < 200 and now - market.quoted_at < 60 and quotes_live:
            return
        market.quoted_mid, market.quoted_at = mid, now
        for level, maker in enumerate(MAKERS):
            account_id = self.accounts[maker]
            for order_id in market.quotes.get(maker, []):
                order = self.runtime.exchange.orders.get(order_id)
                if order is not None and order.status == bk.RESTING:
                    await self.runtime.submit(CancelOrder(self.runtime.stamp(), account_id, order_id))
            half = -(-(market.spread_ticks + 2 * level) // 2) * 100  # whole ticks on every grid
            placed = []
            for side, price in ((bk.BID, mid - half), (bk.ASK, mid + half)):
                price = max(grid.min_price, min(PRICE_ONE - 100, price))
                if not grid.is_valid(price):
                    continue
                size = self.random.randint(5, 40) * (level + 1) * COUNT_ONE
                result = await self.runtime.submit(
                    CreateOrder(
                        self.runtime.stamp(),
                        account_id,
                        market.ticker,
                        side,
                        price,
                        size,
                        bk.GTC,
                        bk.STP_MAKER,
                        "",
                        0,
                        False,
                        False,
                        False,
                    )
                )
                if result.error is None and result.remaining:
                    placed.append(result.order_id)
            market.quotes[maker] = placed

    async def _noise_trade(self, market: SimMarket) -> None:
        engine_market = self.runtime.exchange.markets[market.ticker]
        account_id = self.accounts[self.random.choice(TAKERS)]
        buy = self.random.random() < market.fair  # lean towards the fair value
        side = bk.BID if buy else bk.ASK
        best = engine_market.yes_ask() if buy else engine_market.yes_bid()
        if not best[1]:
            return
        size = min(self.random.randint(1, 10) * COUNT_ONE, best[1])  # never sweep the whole level
        await self.runtime.submit(
            CreateOrder(
                self.runtime.stamp(),
                account_id,
                market.ticker,
                side,
                best[0],
                size,
                bk.IOC,
                bk.STP_TAKER_AT_CROSS,
                "",
                0,
                False,
                False,
                False,
            )
        )

    async def _flash_lifecycle(self) -> None:
        """Determine closed flash markets on their fair value, and list a new one every few minutes."""
        for ticker, market in list(self.markets.items()):
            if not ticker.startswith(FLASH_SERIES + "-"):
                continue
            status = self.runtime.exchange.markets[ticker].status
            if status == CLOSED:
                result = "yes" if self.random.random() < market.fair else "no"
                await self.runtime.submit(Determine(self.runtime.stamp(), ticker, result, -1))
                status = self.runtime.exchange.markets[ticker].status
            if status == DETERMINED:
                await self.runtime.submit(Settle(self.runtime.stamp(), ticker))
            if self.runtime.exchange.markets[ticker].status == FINALIZED:
                del self.markets[ticker]
        now = self.runtime.clock()
        if now - self.flash_created_at >= self.flash_every_s:
            await self._new_flash_market(now)

    async def _new_flash_market(self, now: float) -> None:
        opened = dt.datetime.fromtimestamp(now, tz=dt.UTC)
        closes = opened + dt.timedelta(seconds=self.flash_lifetime_s)
        stamp = opened.strftime("%y%b%d%H%M%S").upper()
        event_ticker = f"{FLASH_SERIES}-{stamp}"
        ticker = f"{event_ticker}-UP"
        if ticker in self.runtime.exchange.markets:
            return
        await event_create(
            self.runtime,
            event_ticker=event_ticker,
            series_ticker=FLASH_SERIES,
            title=f"Sandbox coin up at {closes:%H:%M:%S} UTC?",
        )
        await market_create(
            self.runtime,
            SandboxMarket(
                ticker=ticker,
                event_id=event_ticker,
                title=f"Sandbox coin up at {closes:%H:%M:%S} UTC?",
                yes_sub_title="Up",
                no_sub_title="Down",
                rules_primary="Resolves YES if the simulated coin closes up.",
                price_level_structure="linear_cent",
                price_ranges=[[0, PRICE_ONE, 100]],
                open_time=opened,
                close_time=closes,
                latest_expiration_time=closes,
                settlement_timer_seconds=0,
            ),
        )
        self.markets[ticker] = SimMarket(ticker, self.random.uniform(-0.5, 0.5))
        self.flash_created_at = now


def _structure(fee_type: str) -> tuple[tuple[int, int, int], ...]:
    from sandbox.engine.markets import PRICE_LEVEL_STRUCTURES

    name = "linear_cent" if fee_type == "quadratic" else "tapered_deci_cent"
    return tuple(tuple(band) for band in PRICE_LEVEL_STRUCTURES[name])  # type: ignore[misc]
