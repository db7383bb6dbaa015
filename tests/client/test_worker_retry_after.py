"""A Retry-After travels the whole way: the simulator's answer -> the client's error -> the worker
-> the next attempt the queue stores. The wait asked for is far longer than the schedule's own
step, so a worker or client that drops it on the way shows up as a call due after one minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spotler_connector.api import SpotlerClient
from spotler_connector.errors import ServiceError, from_answer
from spotler_connector.queue import Outbox, RetryPolicy
from spotler_connector.worker import Worker
from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import DEMO_KEYS, LiveServer

NOW = 1_900_000_000.0
POLICY = RetryPolicy(ladder=(60, 300), tail=(), max_attempts=5, max_retry_after=4 * 3600)


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[AdminClient]:
    with AdminClient(live_server.base) as client:
        yield client


def attempt_once(live: LiveServer, outbox: Outbox) -> Worker:
    with SpotlerClient(live.base, *DEMO_KEYS["webshop"]) as api:
        worker = Worker(outbox, api)
        worker.run_once()  # the clock stands still: a retried call is not due again
    return worker


@pytest.mark.parametrize(
    ("effect", "status", "expected_wait"),
    [
        pytest.param({"type": "rateLimit", "retryAfter": 3000}, 429, 3000, id="429"),
        pytest.param(
            {"type": "status", "status": 503, "errorType": "BACKEND_EXCEPTION", "retryAfter": 2400},
            503,
            2400,
            id="503",
        ),
        pytest.param({"type": "rateLimit", "retryAfter": 86400}, 429, 4 * 3600, id="capped"),
    ],
)
def test_the_stored_next_attempt_is_the_answers_retry_after(
    live_server: LiveServer,
    admin: AdminClient,
    tmp_path: Path,
    effect: dict[str, Any],
    status: int,
    expected_wait: float,
) -> None:
    admin.add_fault({"match": {"method": "POST", "path": "/contact"}, "first": 1, "effect": effect})
    outbox = Outbox(tmp_path / "outbox.db", policy=POLICY, clock=lambda: NOW)
    call_id = outbox.enqueue("contact", "9901", "contact.insert", {"properties": {}})
    worker = attempt_once(live_server, outbox)
    call = outbox.get(call_id)
    assert call is not None and call.state == "pending" and call.attempts == 1
    assert call.last_status == status
    assert worker.progress.retrying == 1
    assert call.next_attempt_at == NOW + expected_wait  # not NOW + 60, the schedule's own step
    assert outbox.next_attempt_at() == NOW + expected_wait


def test_without_a_retry_after_a_503_waits_the_schedules_step(
    live_server: LiveServer, admin: AdminClient, tmp_path: Path
) -> None:
    admin.add_fault(
        {"match": {"method": "POST", "path": "/contact"}, "first": 1,
         "effect": {"type": "status", "status": 503, "errorType": "BACKEND_EXCEPTION"}}
    )  # fmt: skip
    outbox = Outbox(tmp_path / "outbox.db", policy=POLICY, clock=lambda: NOW)
    call_id = outbox.enqueue("contact", "9902", "contact.insert", {"properties": {}})
    attempt_once(live_server, outbox)
    call = outbox.get(call_id)
    assert call is not None and call.state == "pending"
    assert call.next_attempt_at == NOW + 60


def test_a_5xx_answer_keeps_its_retry_after_for_the_queue() -> None:
    body = {"errorType": "BACKEND_EXCEPTION", "message": "maintenance"}
    during = from_answer(503, body, {"Retry-After": "2400"})
    assert isinstance(during, ServiceError) and during.transient
    assert during.retry_after == 2400
    assert from_answer(503, body, {}).retry_after is None
