"""The Django side of the Kalshi client: clients for stored credentials, the call log, the
metadata cache through the Django cache, retention pruning and `manage.py kalshi_check`."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import threading
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.services import credential_create
from execution import exchange_clients
from execution.call_log import ExchangeCallLog, flush_exchange_calls
from execution.kalshi import errors as e
from execution.kalshi.audit import CallRecord
from execution.kalshi.models import OrderRequest
from execution.kalshi.ratelimit import InMemoryRateLimiter, RedisRateLimiter
from execution.models import ExchangeCall
from execution.tasks import prune_exchange_calls
from tests.conftest import rsa_private_key_pem
from tests.integration.kalshi.conftest import make_market


@pytest.fixture
def sandbox_settings(settings, sandbox_server):
    settings.SANDBOX_URL = sandbox_server.root_url
    return settings


@pytest.fixture
def credential(alice, sandbox_server, sandbox_settings):
    key_id, pem = sandbox_server.create_account(f"alice-{uuid.uuid4().hex[:6]}", "250.00")
    return credential_create(user=alice, environment="sandbox", label="paper", key_id=key_id, private_key=pem)


@pytest.mark.django_db(transaction=True)
def test_a_stored_credential_gives_a_working_client_and_every_call_is_logged(
    credential, alice, sandbox_server, caplog
):
    market = make_market(sandbox_server)
    caplog.set_level(logging.INFO, logger="execution.exchange_calls")
    with exchange_clients.kalshi_client_for_credential(credential_id=credential.pk) as client:
        assert isinstance(client.limiter, RedisRateLimiter)  # shared between processes
        assert client.balance().balance_micros == 250_000_000
        with pytest.raises(e.InvalidPrice):
            client.create_order(OrderRequest.buy_yes(market, 4550, 100))
    calls = list(ExchangeCall.objects.filter(user=alice).order_by("created_at"))
    assert [(c.method, c.path, c.status, c.error_code) for c in calls] == [
        ("GET", "/trade-api/v2/portfolio/balance", 200, ""),
        ("POST", "/trade-api/v2/portfolio/events/orders", 400, "invalid_price"),
    ]
    assert all(c.credential_id == credential.pk and c.environment == "sandbox" for c in calls)
    logged = [r for r in caplog.records if r.name == "execution.exchange_calls"]
    assert len(logged) == 2
    assert logged[1].kalshi_call["error_code"] == "invalid_price"
    text = caplog.text + repr([vars(c) for c in calls])
    assert "PRIVATE KEY" not in text
    assert "KALSHI-ACCESS-SIGNATURE" not in text


@pytest.mark.django_db(transaction=True)
def test_the_embedded_mode_uses_the_in_memory_limiter(settings):
    settings.EMBEDDED = True
    exchange_clients.rate_limiter.cache_clear()
    try:
        assert isinstance(exchange_clients.rate_limiter(), InMemoryRateLimiter)
    finally:
        exchange_clients.rate_limiter.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_a_hundred_concurrent_market_reads_cause_one_exchange_call(credential, sandbox_server):
    market = make_market(sandbox_server)
    results = []
    with exchange_clients.kalshi_client_for_credential(credential_id=credential.pk) as client:
        barrier = threading.Barrier(100)

        def read() -> None:
            barrier.wait()
            results.append(client.market(market).ticker)

        threads = [threading.Thread(target=read) for _ in range(100)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results == [market] * 100
        assert ExchangeCall.objects.filter(path=f"/trade-api/v2/markets/{market}").count() == 1
        # A second client (as in another process) reads the shared cache, not the exchange.
        with exchange_clients.kalshi_client_for_credential(credential_id=credential.pk) as other:
            other.market(market)
        assert ExchangeCall.objects.filter(path=f"/trade-api/v2/markets/{market}").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_hundred_concurrent_identical_market_lists_cause_one_exchange_call(credential, sandbox_server):
    market = make_market(sandbox_server)
    event = market.rsplit("-", 1)[0]
    results = []
    with exchange_clients.kalshi_client_for_credential(credential_id=credential.pk) as client:
        barrier = threading.Barrier(100)

        def read() -> None:
            barrier.wait()
            results.append([m.ticker for m in client.markets(event_ticker=event)])

        threads = [threading.Thread(target=read) for _ in range(100)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results == [[market]] * 100
        assert ExchangeCall.objects.filter(path="/trade-api/v2/markets").count() == 1
        # Through the shared Django cache: another client (process) is served from it too...
        with exchange_clients.kalshi_client_for_credential(credential_id=credential.pk) as other:
            assert [m.ticker for m in other.markets(event_ticker=event)] == [market]
            assert ExchangeCall.objects.filter(path="/trade-api/v2/markets").count() == 1
            # ...while another filter is another key.
            assert list(other.markets(event_ticker=event, status="settled")) == []
        assert ExchangeCall.objects.filter(path="/trade-api/v2/markets").count() == 2


def _record(path: str, status: int = 200) -> CallRecord:
    return CallRecord(
        method="GET",
        path=path,
        status=status,
        latency_ms=1.5,
        error_code="",
        request_id=None,
        credential_id="1",
        attempt=1,
        environment="sandbox",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_calls_logged_from_async_code_are_stored_not_lost(alice):
    hook = ExchangeCallLog(user_id=alice.pk, credential_id=None)
    hook(_record("/trade-api/v2/from-the-loop"))  # on the running loop: Django forbids the ORM here
    await asyncio.to_thread(flush_exchange_calls)
    stored = await asyncio.to_thread(
        lambda: list(ExchangeCall.objects.filter(user=alice).values_list("path", flat=True))
    )
    assert stored == ["/trade-api/v2/from-the-loop"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_call_that_cannot_be_stored_is_logged_as_a_warning(caplog):
    caplog.set_level(logging.INFO, logger="execution.exchange_calls")
    hook = ExchangeCallLog(user_id=987_654_321, credential_id=None)  # no such user
    hook(_record("/trade-api/v2/lost"))
    await asyncio.to_thread(flush_exchange_calls)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "kalshi call not stored (IntegrityError" in warnings[0].getMessage()
    assert warnings[0].kalshi_call["path"] == "/trade-api/v2/lost"


@pytest.mark.django_db
def test_a_failed_row_inside_a_transaction_leaves_the_transaction_usable(alice, caplog):
    from django.db import transaction

    with transaction.atomic():
        ExchangeCallLog(user_id=alice.pk, credential_id=None)(_record("/x", status=99_999))  # not a smallint
        ExchangeCallLog(user_id=alice.pk, credential_id=None)(_record("/y"))
        assert list(ExchangeCall.objects.values_list("path", flat=True)) == ["/y"]
    assert "kalshi call not stored" in caplog.text


@pytest.mark.django_db
def test_old_calls_are_pruned_after_the_retention_period(alice, settings):
    settings.EXCHANGE_CALL_RETENTION_DAYS = 30
    old = ExchangeCall.objects.create(
        user=alice, environment="sandbox", method="GET", path="/x", latency_ms=1
    )
    recent = ExchangeCall.objects.create(
        user=alice, environment="sandbox", method="GET", path="/y", latency_ms=1
    )
    ExchangeCall.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert prune_exchange_calls() == 1
    assert list(ExchangeCall.objects.values_list("pk", flat=True)) == [recent.pk]
    assert prune_exchange_calls.name == "execution.prune_exchange_calls"
    assert prune_exchange_calls.acks_late
    assert prune_exchange_calls.reject_on_worker_lost


def test_the_prune_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["execution.prune_exchange_calls"]
    assert entry["task"] == "execution.prune_exchange_calls"


@pytest.mark.django_db(transaction=True)
def test_kalshi_check_prints_the_environment_and_balance(credential):
    out = io.StringIO()
    call_command("kalshi_check", "--credential", str(credential.pk), stdout=out)
    text = out.getvalue()
    assert "Environment: sandbox" in text
    assert "Balance: $250.00 available" in text
    assert f"Credential {credential.pk} 'paper'" in text
    assert text.rstrip().endswith(": OK")


@pytest.mark.django_db(transaction=True)
def test_kalshi_check_prints_the_exact_error(alice, sandbox_server, sandbox_settings):
    wrong = credential_create(
        user=alice,
        environment="sandbox",
        label="wrong",
        key_id=str(uuid.uuid4()),
        private_key=rsa_private_key_pem(1),
    )
    with pytest.raises(CommandError) as info:
        call_command("kalshi_check", "--credential", str(wrong.pk), stdout=io.StringIO())
    message = str(info.value)
    assert "FAILED" in message
    assert "does not know this API key id" in message
    assert "HTTP 401" in message
    assert "PRIVATE KEY" not in message
    with pytest.raises(CommandError, match="No credential with id"):
        call_command("kalshi_check", "--credential", "999999", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_kalshi_check_reports_an_unreachable_exchange(alice, settings):
    from tests.servers import free_port

    settings.SANDBOX_URL = f"http://127.0.0.1:{free_port()}"
    down = credential_create(
        user=alice, environment="sandbox", label="down", key_id="k", private_key=rsa_private_key_pem(0)
    )
    with pytest.raises(CommandError, match="Could not reach the exchange"):
        call_command("kalshi_check", "--credential", str(down.pk), stdout=io.StringIO())
