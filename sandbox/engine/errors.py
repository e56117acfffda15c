"""Kalshi's error codes (API.md §5, §15.4) and the HTTP status each one is answered with."""

from __future__ import annotations

from typing import Final

INVALID_ORDER: Final = "invalid_order"
INVALID_ORDER_SIZE: Final = "invalid_order_size"
INVALID_PRICE: Final = "invalid_price"
INVALID_PARAMETERS: Final = "invalid_parameters"
INVALID_CONTENT_TYPE: Final = "invalid_content_type"
BALANCE_TOO_LOW: Final = "available_balance_too_low"
CLIENT_ORDER_ID_MISMATCH: Final = "order_id_and_client_order_id_mismatch"
SIDE_MISMATCH: Final = "order_side_mismatch"
TICKER_MISMATCH: Final = "order_ticker_mismatch"
ORDER_ALREADY_EXISTS: Final = "order_already_exists"
TRADING_PAUSED: Final = "trading_is_paused"
EXCHANGE_PAUSED: Final = "exchange_is_paused"
# Kalshi documents the name MARKET_INACTIVE for any order operation after close (API.md §5, §10).
MARKET_INACTIVE: Final = "MARKET_INACTIVE"
MARKET_NOT_FOUND: Final = "market_not_found"
NOT_FOUND: Final = "not_found"
AUTHENTICATION_ERROR: Final = "authentication_error"
TIMESTAMP_EXPIRED: Final = "header_timestamp_expired"
KEY_NOT_FOUND: Final = "NOT_FOUND"
SERVICE_UNAVAILABLE: Final = "service_unavailable"
INTERNAL_ERROR: Final = "internal_server_error"

HTTP_STATUS: Final[dict[str, int]] = {
    INVALID_ORDER: 400,
    INVALID_ORDER_SIZE: 400,
    INVALID_PRICE: 400,
    INVALID_PARAMETERS: 400,
    INVALID_CONTENT_TYPE: 400,
    BALANCE_TOO_LOW: 400,
    CLIENT_ORDER_ID_MISMATCH: 400,
    SIDE_MISMATCH: 400,
    TICKER_MISMATCH: 400,
    ORDER_ALREADY_EXISTS: 409,
    TRADING_PAUSED: 409,
    EXCHANGE_PAUSED: 409,
    MARKET_INACTIVE: 409,
    MARKET_NOT_FOUND: 404,
    NOT_FOUND: 404,
    AUTHENTICATION_ERROR: 401,
    TIMESTAMP_EXPIRED: 401,
    KEY_NOT_FOUND: 401,
    SERVICE_UNAVAILABLE: 503,
    INTERNAL_ERROR: 500,
}
