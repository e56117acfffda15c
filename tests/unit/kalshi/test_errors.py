"""Error bodies of every documented shape -> one typed exception per Kalshi error (API.md §5)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.kalshi import errors as e


def body(code: str, message: str = "", details: str | None = None) -> str:
    inner = {"code": code, "message": message}
    if details is not None:
        inner["details"] = details
    return json.dumps({"error": inner})


@pytest.mark.parametrize(
    ("status", "code", "cls", "retryable"),
    [
        (400, "invalid_order", e.InvalidOrder, False),
        (400, "invalid_order_size", e.InvalidOrderSize, False),
        (400, "available_balance_too_low", e.InsufficientBalance, False),
        (400, "order_id_and_client_order_id_mismatch", e.OrderIdentityMismatch, False),
        (400, "order_side_mismatch", e.OrderIdentityMismatch, False),
        (400, "order_ticker_mismatch", e.OrderIdentityMismatch, False),
        (400, "invalid_price", e.InvalidPrice, False),
        (400, "invalid_parameters", e.InvalidParameters, False),
        (400, "invalid_content_type", e.InvalidContentType, False),
        (401, "authentication_error", e.AuthenticationError, False),
        (401, "header_timestamp_expired", e.TimestampExpired, False),
        (401, "NOT_FOUND", e.UnknownApiKey, False),
        (403, "", e.Forbidden, False),
        (404, "not_found", e.NotFound, False),
        (404, "market_not_found", e.MarketNotFound, False),
        (400, "market_not_found", e.MarketNotFound, False),  # §15.4: clients also accept 400
        (409, "order_already_exists", e.OrderAlreadyExists, False),
        (409, "trading_is_paused", e.TradingPaused, False),
        (409, "exchange_is_paused", e.ExchangePaused, False),
        (409, "MARKET_INACTIVE", e.MarketInactive, False),
        (400, "market_inactive", e.MarketInactive, False),
        (503, "service_unavailable", e.ServiceUnavailable, True),
        (500, "internal_error", e.ServerError, True),
        (502, "", e.ServerError, True),
        (418, "", e.KalshiApiError, False),
    ],
)
def test_each_documented_code_has_its_own_type(status, code, cls, retryable):
    error = e.error_from_response(status, body(code, "the exchange says so"), method="POST", path="/x")
    assert type(error) is cls
    assert error.code == code
    assert error.status == status
    assert error.retryable is retryable
    assert error.message  # a sentence for people
    assert "POST /x" in str(error)


def test_trading_paused_and_order_already_exists_are_different_errors():
    paused = e.error_from_response(409, body("trading_is_paused"))
    exists = e.error_from_response(409, body("order_already_exists"))
    assert not isinstance(paused, e.OrderAlreadyExists)
    assert not isinstance(exists, e.TradingPaused)


def test_a_429_string_body_is_rate_limited_and_retryable():
    error = e.error_from_response(429, '{"error":"too many requests"}')
    assert type(error) is e.RateLimited
    assert error.retryable
    assert error.exchange_message == "too many requests"


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ('{"code": "invalid_price", "message": "bad price"}', "invalid_price", "bad price"),  # flat
        ('{"msg": "something broke"}', "", "something broke"),  # bare
        (
            '{"error": {"code": "invalid_price", "message": "invalid price", "service": "exchange"}}',
            "invalid_price",
            "invalid price",
        ),
        ("<html>Bad gateway</html>", "", "<html>Bad gateway</html>"),
        ("", "", ""),
        ("[1, 2]", "", ""),
        ('{"error": {"code": 7, "message": {"a": 1}}}', "7", '{"a": 1}'),
    ],
)
def test_error_bodies_of_every_shape_are_read(raw, code, message):
    error = e.error_from_response(400, raw)
    assert error.code == code
    assert error.exchange_message == message


def test_codes_with_embedded_data_match_by_prefix():
    error = e.error_from_response(409, body("order_already_exists:_3b23c1c7"))
    assert type(error) is e.OrderAlreadyExists


def test_a_post_only_cross_is_its_own_invalid_order():
    error = e.error_from_response(400, body("invalid_order", "invalid order", "post only cross"))
    assert type(error) is e.PostOnlyCross
    assert isinstance(error, e.InvalidOrder)


def test_a_batch_item_error_is_typed_without_an_http_status():
    error = e.item_error({"code": "available_balance_too_low", "message": "x"})
    assert type(error) is e.InsufficientBalance
    assert error.status is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["error", "code", "message", "msg", "details", "x"]) | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(st.integers(min_value=300, max_value=599), json_values)
def test_any_json_error_body_becomes_a_typed_error(status, value):
    error = e.error_from_response(status, json.dumps(value))
    assert isinstance(error, e.KalshiApiError)
    assert isinstance(str(error), str)


@given(st.integers(min_value=300, max_value=599), st.binary(max_size=64))
def test_any_bytes_error_body_becomes_a_typed_error(status, raw):
    error = e.error_from_response(status, raw)
    assert isinstance(error, e.KalshiApiError)
    assert error.retryable == (status == 429 or status >= 500)


@given(json_values)
def test_any_batch_item_error_becomes_a_typed_error(value):
    assert isinstance(e.item_error(value), e.KalshiApiError)
