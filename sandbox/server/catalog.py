"""Descriptive metadata of series, events and markets, held in memory for the REST views.

Loaded from the database at start and kept current by the admin API and the simulator. The
trading state of a market (status, book, statistics) is the engine's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.models import SandboxEvent, SandboxMarket, SandboxSeries

_MARKET_NAMESPACE = uuid.UUID("6f0c5b7e-3f4a-4c61-9a52-8f5b3d2e1c00")


def market_uuid(ticker: str) -> str:
    """The stable UUID Kalshi calls `market_id` (WebSocket), derived from the ticker."""
    return str(uuid.uuid5(_MARKET_NAMESPACE, ticker))


@dataclass
class SeriesInfo:
    """A series' descriptive fields."""

    ticker: str
    title: str
    category: str
    frequency: str
    tags: list[str]
    settlement_sources: list[dict[str, str]]
    contract_url: str
    contract_terms_url: str
    fee_type: str
    fee_multiplier_bp: int
    updated_at: dt.datetime

    @classmethod
    def from_model(cls, row: SandboxSeries) -> SeriesInfo:
        """From a database row."""
        return cls(
            ticker=row.ticker,
            title=row.title,
            category=row.category,
            frequency=row.frequency,
            tags=list(row.tags or []),
            settlement_sources=list(row.settlement_sources or []),
            contract_url=row.contract_url,
            contract_terms_url=row.contract_terms_url,
            fee_type=row.fee_type,
            fee_multiplier_bp=row.fee_multiplier_bp,
            updated_at=row.updated_at,
        )


@dataclass
class EventInfo:
    """An event's descriptive fields and its markets (in creation order)."""

    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    mutually_exclusive: bool
    collateral_return_type: str
    strike_date: dt.datetime | None
    strike_period: str | None
    updated_at: dt.datetime
    market_tickers: list[str] = field(default_factory=list)

    @classmethod
    def from_model(cls, row: SandboxEvent) -> EventInfo:
        """From a database row."""
        return cls(
            event_ticker=row.event_ticker,
            series_ticker=row.series_id,
            title=row.title,
            sub_title=row.sub_title,
            mutually_exclusive=row.mutually_exclusive,
            collateral_return_type=row.collateral_return_type,
            strike_date=row.strike_date,
            strike_period=row.strike_period or None,
            updated_at=row.updated_at,
        )


@dataclass
class MarketInfo:
    """A market's descriptive fields."""

    ticker: str
    event_ticker: str
    market_id: str
    title: str
    subtitle: str
    yes_sub_title: str
    no_sub_title: str
    rules_primary: str
    rules_secondary: str
    expected_expiration_time: dt.datetime | None
    latest_expiration_time: dt.datetime
    strike_type: str
    floor_strike: Decimal | None
    cap_strike: Decimal | None
    created_at: dt.datetime

    @classmethod
    def from_model(cls, row: SandboxMarket) -> MarketInfo:
        """From a database row."""
        return cls(
            ticker=row.ticker,
            event_ticker=row.event_id,
            market_id=market_uuid(row.ticker),
            title=row.title,
            subtitle=row.subtitle,
            yes_sub_title=row.yes_sub_title,
            no_sub_title=row.no_sub_title,
            rules_primary=row.rules_primary,
            rules_secondary=row.rules_secondary,
            expected_expiration_time=row.expected_expiration_time,
            latest_expiration_time=row.latest_expiration_time,
            strike_type=row.strike_type,
            floor_strike=row.floor_strike,
            cap_strike=row.cap_strike,
            created_at=row.created_at,
        )


class Catalog:
    """Every series, event and market definition by ticker."""

    def __init__(self) -> None:
        self.series: dict[str, SeriesInfo] = {}
        self.events: dict[str, EventInfo] = {}
        self.markets: dict[str, MarketInfo] = {}

    def load(
        self, series: list[SandboxSeries], events: list[SandboxEvent], markets: list[SandboxMarket]
    ) -> None:
        """Replace the contents with database rows."""
        self.series = {row.ticker: SeriesInfo.from_model(row) for row in series}
        self.events = {row.event_ticker: EventInfo.from_model(row) for row in events}
        self.markets = {}
        for row in markets:
            self.add_market(MarketInfo.from_model(row))

    def add_market(self, info: MarketInfo) -> None:
        """Register a market under its event."""
        self.markets[info.ticker] = info
        event = self.events.get(info.event_ticker)
        if event is not None and info.ticker not in event.market_tickers:
            event.market_tickers.append(info.ticker)
