"""One exception type per Kalshi error (API.md §5), each with code, status, a message a person
understands, and whether retrying the same request later can help (`retryable`).

Kalshi's error bodies come in several shapes: wrapped `{"error": {"code", "message", "details"}}`,
the 429 string `{"error": "too many requests"}`, flat `{"code", "message"}` and bare `{"msg"}`.
`error_from_response` reads all of them and never raises anything but a `KalshiError`. Codes
are matched by prefix (some embed data, `user_not_found:_<uuid>`), never by message text.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Final


class KalshiError(Exception):
    """Base of every error the client raises."""

    default_message: ClassVar[str] = "The Kalshi request failed."
    retryable: bool = False

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str = "",
        status: int | None = None,
        details: str = "",
        exchange_message: str = "",
        request_id: str | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.message = message or self.default_message
        self.code = code
        self.status = status
        self.details = details
        self.exchange_message = exchange_message
        self.request_id = request_id
        self.method = method
        self.path = path
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method else ""
        what = ", ".join(
            part for part in (f"HTTP {self.status}" if self.status else "", self.code, self.details) if part
        )
        return f"{self.message}{where}" + (f" [{what}]" if what else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, message={self.message!r})"


# ----------------------------------------------------------------------------- local failures


class TransportError(KalshiError):
    """The request did not get an HTTP answer (connection refused, reset, DNS)."""

    default_message = "Could not reach the exchange."
    retryable = True


class RequestTimeout(TransportError):
    """No answer within the read or connect timeout; the request may or may not have run."""

    default_message = "The exchange did not answer in time."


class ResponseFormatError(KalshiError):
    """A 2xx answer whose body does not match the contract (e.g. a malformed price string)."""

    default_message = "The exchange sent a response this client cannot read."


class RateLimitWaitTooLong(KalshiError):
    """The local rate limiter would have to wait longer than allowed for tokens."""

    default_message = "Too many requests for this API key right now; try again in a moment."
    retryable = True


class OrderRequestError(KalshiError, ValueError):
    """An order request this client refuses to send (checked before any network call)."""

    default_message = "The order request is invalid."


# ----------------------------------------------------------------------------- exchange answers


class KalshiApiError(KalshiError):
    """An HTTP error answer from the exchange."""

    default_message = "The exchange refused the request."


class BadRequest(KalshiApiError):
    default_message = "The exchange rejected the request as invalid."


class InvalidOrder(BadRequest):
    default_message = "The exchange rejected the order."


class PostOnlyCross(InvalidOrder):
    default_message = "The post-only order would have traded immediately, so it was not placed."


class InvalidOrderSize(BadRequest):
    default_message = "The order size is invalid."


class InsufficientBalance(BadRequest):
    default_message = "Insufficient balance for this order."


class OrderIdentityMismatch(BadRequest):
    default_message = "The order id, client order id, ticker or side do not match the existing order."


class InvalidPrice(BadRequest):
    default_message = "The price is not valid for this market (off its price grid or out of range)."


class InvalidParameters(BadRequest):
    default_message = "A request field is malformed."


class InvalidContentType(BadRequest):
    default_message = "The request body must be JSON."


class AuthenticationError(KalshiApiError):
    default_message = "The exchange rejected the API key signature; check the key id and private key."


class TimestampExpired(AuthenticationError):
    default_message = "The exchange rejected the request time; the server clock is off by too much."


class UnknownApiKey(AuthenticationError):
    default_message = "The exchange does not know this API key id (deleted, or for another environment)."


class Forbidden(KalshiApiError):
    default_message = "The API key is not allowed to do this (scope or usage tier)."


class NotFound(KalshiApiError):
    default_message = "Not found on the exchange."


class MarketNotFound(NotFound):
    default_message = "The market does not exist."


class Conflict(KalshiApiError):
    default_message = "The exchange refused the request because of a conflict."


class OrderAlreadyExists(Conflict):
    default_message = "An order with this client order id already exists."


class ClientOrderIdConflict(Conflict):
    """A create met `409 order_already_exists`, but the order that holds the client_order_id is not
    this request (another ticker, side, price or count): the id was reused for a different order.
    Not an idempotent success, and never retryable; `differences` maps each differing field to
    (existing order's value, requested value), as text."""

    default_message = "This client order id already belongs to a different order."

    def __init__(
        self,
        message: str | None = None,
        *,
        client_order_id: str = "",
        existing_order_id: str = "",
        differences: dict[str, tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.client_order_id = client_order_id
        self.existing_order_id = existing_order_id
        self.differences = dict(differences or {})


class TradingPaused(Conflict):
    # Not retryable here: a pause can last hours (maintenance); the run decides when to try again.
    default_message = "Trading is paused on this market or exchange; nothing was placed."


class ExchangePaused(TradingPaused):
    default_message = "The exchange is paused; no order operation is possible until it resumes."


class MarketInactive(KalshiApiError):
    default_message = "The market is not open for trading (not yet open, closed or settled)."


class RateLimited(KalshiApiError):
    default_message = "The exchange rate limit was hit (HTTP 429)."
    retryable = True


class ServerError(KalshiApiError):
    default_message = "The exchange had an internal error."
    retryable = True


class ServiceUnavailable(ServerError):
    default_message = "The exchange is temporarily unavailable."


# Codes as Kalshi spells them, matched case-insensitively by prefix (longest first).
_CODES: Final[dict[str, type[KalshiApiError]]] = {
    "invalid_order_size": InvalidOrderSize,
    "invalid_order": InvalidOrder,
    "invalid order": InvalidOrder,  # the 2025 changelog's spelling
    "available_balance_too_low": InsufficientBalance,
    "insufficient_balance": InsufficientBalance,  # FIX name
    "order_id_and_client_order_id_mismatch": OrderIdentityMismatch,
    "order_side_mismatch": OrderIdentityMismatch,
    "order_ticker_mismatch": OrderIdentityMismatch,
    "invalid_price": InvalidPrice,
    "invalid_parameters": InvalidParameters,
    "invalid_content_type": InvalidContentType,
    "authentication_error": AuthenticationError,
    "header_timestamp_expired": TimestampExpired,
    "market_not_found": MarketNotFound,
    "not_found": NotFound,
    "order_already_exists": OrderAlreadyExists,
    "trading_is_paused": TradingPaused,
    "exchange_is_paused": ExchangePaused,
    "exchange_paused": ExchangePaused,  # FIX name
    "market_inactive": MarketInactive,
    "too_many_requests": RateLimited,
    "service_unavailable": ServiceUnavailable,
    "internal_error": ServerError,
    "internal_server_error": ServerError,
}
_PREFIXES: Final = sorted(_CODES, key=len, reverse=True)
_BY_STATUS: Final[dict[int, type[KalshiApiError]]] = {
    400: BadRequest,
    401: AuthenticationError,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
    503: ServiceUnavailable,
}
_MAX_TEXT: Final = 300


def _text(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)[:_MAX_TEXT]
    return text.strip()[:_MAX_TEXT]


def error_class(status: int, code: str) -> type[KalshiApiError]:
    """The exception type for an HTTP status and a Kalshi code (prefix match, case-insensitive)."""
    lowered = code.lower()
    if status == 401:
        # Kalshi answers an unknown key id with a 401 whose code is `NOT_FOUND`.
        if lowered.startswith("not_found"):
            return UnknownApiKey
        if lowered.startswith("header_timestamp_expired"):
            return TimestampExpired
        return AuthenticationError
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            return _CODES[prefix]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return KalshiApiError


def parse_error_body(body: object) -> tuple[str, str, str]:
    """(code, message, details) from any error body shape; empty strings when absent."""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):
            body = inner
        elif isinstance(inner, str) and "code" not in body:
            # 429: {"error": "too many requests"}; other bare strings are a message.
            return "", inner.strip()[:_MAX_TEXT], _text(body.get("details"))
        if isinstance(body, dict):
            code = body.get("code")
            message = body.get("message", body.get("msg", body.get("error_message")))
            return _text(code), _text(message), _text(body.get("details"))
    if isinstance(body, str):
        return "", body.strip()[:_MAX_TEXT], ""
    return "", "", ""


def _decode(raw: bytes | str) -> object:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


def build_error(
    status: int | None,
    code: str,
    exchange_message: str = "",
    details: str = "",
    *,
    method: str = "",
    path: str = "",
    request_id: str | None = None,
) -> KalshiApiError:
    """The typed error for a status (None for a batch item) and a parsed body."""
    cls = error_class(status if status is not None else 400, code)
    if cls is InvalidOrder and "post only" in details.lower():
        cls = PostOnlyCross
    message = cls.default_message
    if cls in (KalshiApiError, BadRequest, Conflict, NotFound, Forbidden) and exchange_message:
        # Nothing more specific to say than what the exchange said.
        message = f"{message.rstrip('.')}: {exchange_message}"
    return cls(
        message,
        code=code,
        status=status,
        details=details,
        exchange_message=exchange_message,
        request_id=request_id,
        method=method,
        path=path,
    )


def error_from_response(
    status: int,
    raw: bytes | str,
    *,
    method: str = "",
    path: str = "",
    request_id: str | None = None,
) -> KalshiApiError:
    """The typed error for an HTTP error answer. Never raises: any body yields an error object."""
    try:
        code, exchange_message, details = parse_error_body(_decode(raw))
    except Exception:  # defensive: a body no branch foresaw still becomes a typed error
        code, exchange_message, details = "", "", ""
    return build_error(
        status, code, exchange_message, details, method=method, path=path, request_id=request_id
    )


def item_error(body: object, *, method: str = "", path: str = "") -> KalshiApiError:
    """The typed error of one batch item (`{"code", "message", "details"}` inside a 2xx answer)."""
    try:
        code, exchange_message, details = parse_error_body(body)
    except Exception:
        code, exchange_message, details = "", "", ""
    return build_error(None, code, exchange_message, details, method=method, path=path)
