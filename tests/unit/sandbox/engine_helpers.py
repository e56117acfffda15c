"""Builders for engine tests: an exchange with funded accounts and open markets, and invariant checks."""

from __future__ import annotations

from typing import Any

from sandbox.engine import book as bk
from sandbox.engine.commands import (
    AmendOrder,
    CancelOrder,
    Command,
    CreateOrder,
    DecreaseOrder,
    Deposit,
    Init,
    ListMarket,
    OpenAccount,
    Tick,
)
from sandbox.engine.events import Result
from sandbox.engine.exchange import Exchange
from sandbox.engine.ledger import reservation
from sandbox.engine.markets import FINALIZED, PRICE_LEVEL_STRUCTURES
from sandbox.engine.units import MICRO_PER_CENT, MICRO_PER_DOLLAR, PRICE_ONE

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
HOUR_MS = 3_600_000


class Harness:
    """An exchange plus the journal of every command applied to it (for replay checks)."""

    def __init__(self, seed: int = 1) -> None:
        self.exchange = Exchange()
        self.journal: list[Command] = []  # every command applied
        self.accepted: list[Command] = []  # what the server journals: due Ticks + accepted commands
        self.now = T0
        self.apply(Init(self.now, seed))

    def apply(self, command: Command) -> Result:
        """Apply like the server: a Tick first when time made something due, then the command."""
        if command.ts_ms >= self.exchange.next_due_ms():
            tick = Tick(command.ts_ms)
            self.journal.append(tick)
            self.accepted.append(tick)
            self.exchange.apply(tick)
        self.journal.append(command)
        result = self.exchange.apply(command)
        if result.error is None:
            self.accepted.append(command)
        return result

    def tick(self, ms: int = 1) -> int:
        self.now += ms
        return self.now

    def account(self, account_id: str, dollars: int = 1_000) -> str:
        self.apply(OpenAccount(self.now, account_id))
        if dollars:
            self.apply(Deposit(self.now, account_id, f"dep-{account_id}", dollars * MICRO_PER_DOLLAR))
        return account_id

    def market(
        self,
        ticker: str = "KXTEST-1",
        structure: str = "linear_cent",
        fee_type: str = "quadratic",
        multiplier: int = 10_000,
        close_in_ms: int = 24 * HOUR_MS,
        timer_s: int = 0,
        market_type: str = "binary",
        open_in_ms: int = 0,
        series: str = "KXTEST",
    ) -> str:
        ranges = tuple(tuple(band) for band in PRICE_LEVEL_STRUCTURES[structure])
        result = self.apply(
            ListMarket(
                self.now,
                ticker,
                f"{series}-EV",
                series,
                market_type,
                structure,
                ranges,  # type: ignore[arg-type]
                fee_type,
                multiplier,
                self.now + open_in_ms,
                self.now + close_in_ms,
                timer_s,
                True,
            )
        )
        assert result.error is None, result
        return ticker

    def order(
        self,
        account: str,
        side: str,
        price: float,
        contracts: float,
        ticker: str = "KXTEST-1",
        tif: int = bk.GTC,
        stp: int = bk.STP_TAKER_AT_CROSS,
        client_order_id: str = "",
        expiration_ms: int = 0,
        post_only: bool = False,
        reduce_only: bool = False,
        cancel_on_pause: bool = False,
    ) -> Result:
        """Place a V2 order; `side` is "bid"/"ask", price in dollars (YES), size in contracts."""
        return self.apply(
            CreateOrder(
                self.tick(),
                account,
                ticker,
                bk.BID if side == "bid" else bk.ASK,
                round(price * PRICE_ONE),
                round(contracts * 100),
                tif,
                stp,
                client_order_id,
                expiration_ms,
                post_only,
                reduce_only,
                cancel_on_pause,
            )
        )

    def cancel(self, account: str, order_id: str) -> Result:
        return self.apply(CancelOrder(self.tick(), account, order_id))

    def decrease(self, account: str, order_id: str, reduce_by: int = -1, reduce_to: int = -1) -> Result:
        return self.apply(DecreaseOrder(self.tick(), account, order_id, reduce_by, reduce_to))

    def amend(self, account: str, order_id: str, price: float, contracts: float, **kw: Any) -> Result:
        order = self.exchange.orders[order_id]
        return self.apply(
            AmendOrder(
                self.tick(),
                account,
                order_id,
                kw.get("ticker", order.ticker),
                kw.get("side", order.side),
                round(price * PRICE_ONE),
                round(contracts * 100),
                kw.get("client_order_id", ""),
                kw.get("updated_client_order_id", ""),
            )
        )

    def cash(self, account: str) -> int:
        return self.exchange.accounts[account].cash

    def available(self, account: str) -> int:
        return self.exchange.accounts[account].available

    def position(self, account: str, ticker: str = "KXTEST-1") -> int:
        exposure = self.exchange.accounts[account].exposures.get(ticker)
        return exposure.position if exposure else 0


def independent_reservation(exchange: Exchange, account_id: str) -> int:
    """The collateral rule recomputed from the live orders, without the ledger's running sums."""
    from sandbox.engine.ledger import ROUNDING_PAD

    account = exchange.accounts[account_id]
    total = 0
    for ticker, exposure in account.exposures.items():
        live = [o for o in account.orders if o.ticker == ticker and o.status == bk.RESTING and o.remaining]
        fees = sum(o.remaining * o.fee_bound + ROUNDING_PAD - o.accumulator for o in live)
        open_cost = 0
        for side in (bk.BID, bk.ASK):
            orders = sorted((o for o in live if o.side == side), key=lambda o: -o.leg)
            closable = max(-exposure.position, 0) if side == bk.BID else max(exposure.position, 0)
            for o in orders:
                closing = min(closable, o.remaining)
                closable -= closing
                open_cost += (o.remaining - closing) * o.leg
        total += fees + open_cost
        assert reservation(exposure) == fees + open_cost, (ticker, reservation(exposure), fees + open_cost)
    return total


def check_invariants(exchange: Exchange) -> None:
    """Everything that must hold after every command (issue point 2)."""
    escrow = 0
    for ticker, market in exchange.markets.items():
        yes_bid = market.book.best(bk.BID)
        no_bid = market.book.best(bk.ASK)
        if yes_bid[1] and no_bid[1]:
            assert yes_bid[0] + no_bid[0] < PRICE_ONE, f"{ticker} is crossed at rest"
        for side in market.book.sides:
            for price in side.prices:
                level = side.levels[price]
                assert level.size == sum(o.remaining for o in level.orders if o.in_book) > 0
        positions = [e.position for e in exchange.market_exposures[ticker]]
        if market.status != FINALIZED:
            assert sum(positions) == 0, f"{ticker}: YES and NO positions do not net to zero"
            assert market.open_interest == sum(p for p in positions if p > 0)
            escrow += market.open_interest * MICRO_PER_CENT
    total_cash = 0
    for account_id, account in exchange.accounts.items():
        assert account.cash >= 0, account_id
        assert account.cash % MICRO_PER_CENT == 0, f"{account_id} cash is not whole cents"
        assert account.available >= 0, f"{account_id} available balance went negative"
        assert account.reserved == independent_reservation(exchange, account_id), account_id
        for exposure in account.exposures.values():
            for index in (0, 1):
                assert exposure.prices[index] == sorted(exposure.levels[index]), "own price index out of sync"
        total_cash += account.cash
    assert exchange.deposits == total_cash + escrow + exchange.fees_collected, "cash is not conserved"
