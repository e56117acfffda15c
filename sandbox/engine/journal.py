"""The journal's wire form (one compact JSON array per command), replay, and the state hash.

A journal line is ``[tag, field, field, ...]`` with the command's fields in declaration order;
nested tuples become arrays. Decoding is strict: an unknown tag or a wrong field count raises.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from json.encoder import encode_basestring
from typing import Any, Final

from sandbox.engine.commands import (
    AmendOrder,
    CancelOrder,
    Command,
    CreateOrder,
    DecreaseOrder,
    Deposit,
    Determine,
    Init,
    ListMarket,
    OpenAccount,
    SetCloseTime,
    SetExchangeStatus,
    SetMarketStatus,
    SetSeriesFees,
    Settle,
    Tick,
)
from sandbox.engine.exchange import Exchange

_TAGS: Final[dict[type, str]] = {
    Init: "init",
    OpenAccount: "account",
    Deposit: "deposit",
    ListMarket: "market",
    CreateOrder: "create",
    CancelOrder: "cancel",
    DecreaseOrder: "decrease",
    AmendOrder: "amend",
    SetMarketStatus: "status",
    SetCloseTime: "close_time",
    Determine: "determine",
    Settle: "settle",
    SetSeriesFees: "series_fees",
    SetExchangeStatus: "exchange",
    Tick: "tick",
}
_TYPES: Final[dict[str, Any]] = {tag: kind for kind, tag in _TAGS.items()}
_encode: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class JournalError(ValueError):
    """A journal line that does not decode to a command."""


_BOOL: Final = ("false", "true")
# The C string quoter of the encoder above (ensure_ascii=False): json.dumps(s) == _quote(s).
_quote: Final = encode_basestring


def encode(command: Command) -> str:
    """One command as a compact JSON array (no newline)."""
    if type(command) is CreateOrder:
        # The hot paths: the same text as the generic encoder below, formatted directly (an int
        # formats as in JSON, strings go through the encoder's own C quoting routine).
        (
            ts_ms,
            account,
            ticker,
            side,
            price,
            quantity,
            tif,
            stp,
            client_id,
            expiration_ms,
            post_only,
            reduce_only,
            cancel_on_pause,
        ) = command
        return (
            f'["create",{ts_ms},{_quote(account)},{_quote(ticker)},{side},{price},{quantity},{tif},'
            f"{stp},{_quote(client_id)},{expiration_ms},"
            f"{_BOOL[post_only]},{_BOOL[reduce_only]},{_BOOL[cancel_on_pause]}]"
        )
    if type(command) is CancelOrder:
        return f'["cancel",{command.ts_ms},{_quote(command.account_id)},{_quote(command.order_id)}]'
    return _encode([_TAGS[type(command)], *command])


def decode(line: str) -> Command:
    """The command of one journal line."""
    try:
        tag, *fields = json.loads(line)
        kind = _TYPES[tag]
    except (ValueError, KeyError, TypeError) as exc:
        raise JournalError(f"not a journal line: {line[:80]!r}") from exc
    if len(fields) != len(kind._fields):
        raise JournalError(f"{tag} expects {len(kind._fields)} fields, got {len(fields)}")
    if kind is ListMarket:
        fields[6] = tuple(tuple(band) for band in fields[6])
    command: Command = kind(*fields)
    return command


def replay(lines: Iterable[str], exchange: Exchange | None = None) -> Exchange:
    """Apply every journal line in order to a fresh (or the given) exchange, discarding events."""
    exchange = exchange or Exchange()
    for line in lines:
        exchange.apply(decode(line))
        exchange.events.clear()
    return exchange


def state_hash(exchange: Exchange) -> str:
    """SHA-256 of everything that defines the exchange's state, in a canonical order."""
    digest = hashlib.sha256()

    def put(*values: object) -> None:
        digest.update(repr(values).encode())

    # `now_ms` is left out: a rejected command moves the clock but is not journaled, and the clock
    # alone changes nothing (what time makes due is applied by a journaled Tick).
    put(
        exchange.seed,
        exchange.order_seq,
        exchange.trade_seq,
        exchange.fill_seq,
        exchange.settlement_seq,
        exchange.deposits,
        exchange.fees_collected,
        exchange.exchange_active,
        exchange.trading_active,
        sorted(exchange.deposit_ids),
    )
    for account_id in sorted(exchange.accounts):
        account = exchange.accounts[account_id]
        put(
            account_id,
            account.cash,
            account.reserved,
            account.deposited,
            sorted(account.client_order_ids.items()),
        )
        for ticker in sorted(account.exposures):
            e = account.exposures[ticker]
            if not (e.position or e.volume or e.live_orders or e.settled):
                continue  # an order that was refused for balance may leave an empty record
            put(
                ticker, e.position, e.cost, e.realized, e.fees_paid, e.traded, e.volume, e.settled, e.reserved
            )
        put(len(account.fills), account.fills[-1:] if account.fills else None, account.settlements)
    for order_id in sorted(exchange.orders):
        o = exchange.orders[order_id]
        put(
            order_id,
            o.status,
            o.price,
            o.initial,
            o.remaining,
            o.filled,
            o.taker_cost,
            o.maker_cost,
            o.taker_fees,
            o.maker_fees,
            o.accumulator,
            o.fee_bound,
            o.client_order_id,
            o.updated_ms,
        )
    for ticker in sorted(exchange.markets):
        m = exchange.markets[ticker]
        put(
            ticker,
            m.status,
            m.fee_type,
            m.fee_multiplier,
            m.open_ms,
            m.close_ms,
            m.result,
            m.settlement_value,
            m.volume,
            m.open_interest,
            m.last_price,
            m.dollar_volume,
            len(m.trades),
        )
        for side in m.book.sides:
            put([(level.price, level.size) for level in map(side.levels.__getitem__, side.prices)])
            put([order.order_id for order in side.live_orders()])
    return digest.hexdigest()
