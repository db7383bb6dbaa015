"""The worker against an in-process simulator, fast enough for `make mutate`: what each operation
sends (first attempt and replay), what the queue records for each kind of outcome, and how the
worker stops, releases and paces itself. A tap on the transport records every request on its way
to the real simulator app.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from spotler_connector.api import SpotlerClient
from spotler_connector.errors import RateLimited, ServiceError, Timeout, TransportError
from spotler_connector.queue import Outbox, RetryPolicy
from spotler_connector.worker import OPERATIONS, Worker, failure_of
from tests.plugins.outbox import START as NOW
from tests.plugins.outbox import clocked
from tests.plugins.simulator import DEMO_KEYS, Sim

POLICY = RetryPolicy(ladder=(60, 300), tail=(), max_attempts=3)
TRIGGER = "dHJpZ2dlci1jYXJ0"  # the demo's abandoned-cart trigger
AUTOMATION = "bc0a8795-4f1e-4a6b-8d2c-7e3f9a5b1c20"
PRODUCT = {"externalId": "P-7", "name": "Cap", "price": 1000}
ORDER = {
    "externalId": "O-7",
    "externalContactId": "1001",
    "date": "2026-11-02T10:00:00Z",
    "products": [{"externalProductId": "P-100", "quantity": 1, "price": 8995}],
}


class Tap(httpx.BaseTransport):
    """Forwards to the simulator and keeps (method, path after the API prefix, JSON body)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        path = request.url.path.split("/integrationservice-1.1.0", 1)[1]
        self.sent.append((request.method, path, body))
        return self.inner.handle_request(request)


@pytest.fixture
def tap(sim: Sim) -> Tap:
    return Tap(sim.transport)


@pytest.fixture
def api(sim: Sim, tap: Tap) -> Iterator[SpotlerClient]:
    with SpotlerClient(sim.base, *DEMO_KEYS["webshop"], transport=tap) as client:
        yield client


@pytest.fixture
def outbox(tmp_path: Path, clock: list[float]) -> Outbox:
    return clocked(tmp_path, clock, POLICY)


def send_one(outbox: Outbox, worker: Worker, replay: bool = False) -> None:
    [call] = outbox.claim(1)
    call.ambiguous = replay  # as after a lost answer
    worker.send(call)


def contact(external_id: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"externalId": external_id, "properties": properties}


SENT = [
    # (operation, key, payload, replay, the request it makes)
    ("contact.insert", "7001", {"properties": {"firstName": "A"}}, False,
     ("POST", "/contact", {"update": False, "purge": False, "contact": contact("7001", {"firstName": "A"})})),
    ("contact.insert", "7001", {"properties": {"firstName": "A"}}, True,
     ("POST", "/contact", {"update": True, "purge": False, "contact": contact("7001", {"firstName": "A"})})),
    ("contact.insert", "1001", {"properties": {}, "update": True, "purge": True}, False,
     ("POST", "/contact", {"update": True, "purge": True, "contact": contact("1001", {})})),
    ("contact.upsert", "1001", {"properties": {"city": "Delft"}}, False,
     ("POST", "/contact", {"update": True, "purge": False, "contact": contact("1001", {"city": "Delft"})})),
    ("contact.upsert", "1001", {"properties": {}, "purge": True}, False,
     ("POST", "/contact", {"update": True, "purge": True, "contact": contact("1001", {})})),
    ("contact.update", "1001", {"properties": {"city": "Delft"}}, False,
     ("PUT", "/contact/1001", {"purge": False, "contact": contact("1001", {"city": "Delft"})})),
    ("contact.update", "1001", {"properties": {}, "purge": True}, False,
     ("PUT", "/contact/1001", {"purge": True, "contact": contact("1001", {})})),
    ("contact.anonymize", "1001", {}, False, ("PUT", "/contact/anonymize/1001", None)),
    ("product.insert", "P-7", PRODUCT, False,
     ("POST", "/product", {"update": False, "product": PRODUCT})),
    ("product.insert", "P-7", PRODUCT, True,
     ("POST", "/product", {"update": True, "product": PRODUCT})),
    ("product.upsert", "P-7", PRODUCT, False,
     ("POST", "/product", {"update": True, "product": PRODUCT})),
    ("product.update", "P-100", PRODUCT, False,
     ("PUT", "/product/P-100", {"product": PRODUCT})),
    ("product.delete", "P-100", {}, False, ("DELETE", "/product/P-100", None)),
    ("order.insert", "O-7", ORDER, False, ("POST", "/order", {"update": False, "order": ORDER})),
    ("order.insert", "O-7", ORDER, True, ("POST", "/order", {"update": True, "order": ORDER})),
    ("order.upsert", "O-7", ORDER, False, ("POST", "/order", {"update": True, "order": ORDER})),
    ("order.update", "O-7", ORDER, False, ("PUT", "/order/O-7", {"order": ORDER})),
    ("order.delete", "O-7", {}, True, ("DELETE", "/order/O-7", None)),
    ("conversion.create", "c", {"mpid": "x"}, False, ("POST", "/conversion", {"mpid": "x"})),
    ("campaign.trigger", "1001", {"triggerId": TRIGGER}, False,
     ("POST", f"/campaign/trigger/{TRIGGER}", {"externalContactId": "1001"})),
    ("campaign.trigger", "1001", {"triggerId": TRIGGER, "campaignFields": [{"name": "a", "value": "b"}]}, False,
     ("POST", f"/campaign/trigger/{TRIGGER}",
      {"externalContactId": "1001", "campaignFields": [{"name": "a", "value": "b"}]})),
    ("automation.trigger", "1001", {"code": AUTOMATION}, False,
     ("POST", f"/automation/trigger/{AUTOMATION}", {"externalContactId": "1001"})),
]  # fmt: skip


@pytest.mark.parametrize(("operation", "key", "payload", "replay", "request_made"), SENT)
def test_each_operation_sends_its_request(
    outbox: Outbox, api: SpotlerClient, tap: Tap, operation: str, key: str,
    payload: dict[str, Any], replay: bool, request_made: tuple[str, str, Any],
) -> None:  # fmt: skip
    outbox.enqueue(operation.split(".")[0], key, operation, payload)
    send_one(outbox, Worker(outbox, api), replay)
    assert tap.sent == [request_made]


def test_every_operation_is_in_the_table() -> None:
    assert sorted(OPERATIONS) == sorted({row[0] for row in SENT})


@pytest.mark.parametrize("operation", ["contact.anonymize", "product.delete", "order.delete"])
def test_a_replayed_delete_that_finds_nothing_is_delivered_a_first_one_fails(
    outbox: Outbox, api: SpotlerClient, operation: str
) -> None:
    worker = Worker(outbox, api)
    replayed = outbox.enqueue("x", "NOT-THERE-1", operation, {})
    send_one(outbox, worker, replay=True)
    first = outbox.enqueue("x", "NOT-THERE-2", operation, {})
    send_one(outbox, worker, replay=False)
    assert (outbox.get(replayed) or pytest.fail()).state == "delivered"
    refused = outbox.get(first)
    assert refused is not None and refused.state == "failed" and refused.last_status == 404
    assert worker.progress.delivered == 1 and worker.progress.failed == 1


def test_outcomes_are_recorded_and_counted(
    sim: Sim, outbox: Outbox, api: SpotlerClient, clock: list[float]
) -> None:
    with sim.admin() as admin:
        admin.post("/faults", json={"effect": {"type": "status", "status": 503}, "first": 1})
    worker = Worker(outbox, api)
    retried = outbox.enqueue("contact", "1001", "contact.upsert", {"properties": {}})
    send_one(outbox, worker)
    call = outbox.get(retried)
    assert call is not None and call.state == "pending" and call.next_attempt_at == NOW + 60
    assert call.last_status == 503 and call.last_error_type == "BACKEND_EXCEPTION"
    assert worker.progress.retrying == 1 and worker.progress.delivered == 0
    clock[0] += 60
    send_one(outbox, worker)
    assert (outbox.get(retried) or pytest.fail()).state == "delivered"
    assert worker.progress.delivered == 1 and worker.progress.retrying == 1
    assert worker.progress.failed == 0 and worker.progress.lost_leases == 0


def test_calls_it_cannot_make_fail_at_once_with_what_to_do(
    outbox: Outbox, api: SpotlerClient, tap: Tap
) -> None:
    worker = Worker(outbox, api)
    unknown = outbox.enqueue("contact", "1", "contact.teleport", {})
    send_one(outbox, worker)
    unusable = outbox.enqueue("contact", "2", "contact.upsert", {"no": "properties"})
    send_one(outbox, worker)
    wrong_type = outbox.enqueue("contact", "3", "campaign.trigger", ["not", "a", "dict"])
    send_one(outbox, worker)
    assert tap.sent == []  # none of them reached Spotler
    first = outbox.get(unknown)
    assert first is not None and first.state == "failed" and first.attempts == 1
    assert first.last_error_type == "UNKNOWN_OPERATION"
    assert first.last_error == (
        "unknown operation 'contact.teleport': use one of " + ", ".join(sorted(OPERATIONS))
    )
    for call_id, exc in ((unusable, "KeyError: 'properties'"), (wrong_type, "TypeError")):
        bad = outbox.get(call_id)
        assert bad is not None and bad.state == "failed" and bad.last_error_type == "BAD_PAYLOAD"
        assert bad.last_error is not None and bad.last_error.startswith(
            f"payload of {bad.operation} unusable ({exc}"
        )
        assert bad.last_error.endswith(
            "); discard the call and enqueue it with the fields the operation needs"
        )
    assert worker.progress.failed == 3


def test_an_outcome_after_the_lease_ran_out_is_not_recorded(
    outbox: Outbox, api: SpotlerClient, clock: list[float]
) -> None:
    worker = Worker(outbox, api, lease_seconds=30)
    outbox.enqueue("contact", "1001", "contact.upsert", {"properties": {}})
    outbox.enqueue("contact", "1002", "contact.teleport", {})
    first, second = outbox.claim(2, lease_seconds=30)
    clock[0] += 31
    assert len(outbox.claim(2, lease_seconds=30)) == 2  # another worker took both over
    worker.send(first)
    worker.send(second)
    assert worker.progress.lost_leases == 2
    assert worker.progress.delivered == 0 and worker.progress.failed == 0


def test_failure_of_keeps_what_the_queue_needs() -> None:
    limited = failure_of(RateLimited(429, "INVALID_STATE", "slow down", 120.0))
    assert (limited.message, limited.transient, limited.status) == ("slow down", True, 429)
    assert (limited.error_type, limited.retry_after, limited.maybe_applied) == (
        "INVALID_STATE",
        120.0,
        False,
    )
    plain = failure_of(ServiceError(502, None, "bad gateway"))
    assert plain.error_type is None and plain.status == 502 and plain.retry_after is None
    lost = failure_of(Timeout("no answer", sent=True))
    assert lost.maybe_applied and lost.transient and lost.error_type == "Timeout"
    assert lost.status is None and lost.message == "no answer"
    unsent = failure_of(TransportError("refused", sent=False))
    assert not unsent.maybe_applied and unsent.error_type == "TransportError"


def test_run_once_drains_what_becomes_due_meanwhile_then_returns(
    outbox: Outbox, api: SpotlerClient
) -> None:
    for key in ("1001", "1002", "1003"):
        outbox.enqueue("contact", key, "contact.upsert", {"properties": {}})
        outbox.enqueue("contact", key, "contact.upsert", {"properties": {"city": "Delft"}})
    progress = Worker(outbox, api, batch=2).run_once()  # each key's second call waits its turn
    assert progress.delivered == 6
    assert outbox.counts()["delivered"] == 6


def test_a_stopped_worker_sends_nothing_and_hands_back_its_claims(
    outbox: Outbox, api: SpotlerClient, tap: Tap
) -> None:
    outbox.enqueue("contact", "1001", "contact.upsert", {"properties": {}})
    outbox.enqueue("contact", "1002", "contact.upsert", {"properties": {}})
    worker = Worker(outbox, api)
    worker.stop.set()
    assert worker.run_once().delivered == 0 and outbox.counts()["pending"] == 2

    stopping = Worker(outbox, api)

    def send_then_stop(call: Any) -> None:
        Worker.send(stopping, call)
        stopping.stop.set()  # asked to stop while the batch's second call waits

    stopping.send = send_then_stop  # type: ignore[method-assign]
    stopping.run_once()
    counts = outbox.counts()
    assert counts["delivered"] == 1 and counts["pending"] == 1 and counts["leased"] == 0
    [left] = outbox.calls(states=("pending",))
    assert left.lease_token is None and left.attempts == 0
    assert len(tap.sent) == 1


def test_run_sleeps_until_the_next_attempt_or_the_idle_time(
    outbox: Outbox, api: SpotlerClient, clock: list[float]
) -> None:
    worker = Worker(outbox, api)
    assert worker._pause(5.0) == 5.0  # nothing waiting
    outbox.enqueue("contact", "1001", "contact.upsert", {"properties": {}})
    assert worker._pause(5.0) == 0.0  # due now
    [call] = outbox.claim(1)
    outbox.release(call)
    clock[0] -= 2  # the call is due 2 s from now
    assert worker._pause(5.0) == 2.0
    assert worker._pause(1.5) == 1.5
    clock[0] -= 10
    assert worker._pause(5.0) == 5.0


def test_run_keeps_draining_and_ticking_until_stopped(outbox: Outbox, api: SpotlerClient) -> None:
    outbox.enqueue("contact", "1001", "contact.upsert", {"properties": {}})
    worker = Worker(outbox, api)
    ticks: list[int] = []

    def on_tick(w: Worker) -> None:
        ticks.append(w.progress.delivered)
        if len(ticks) == 2:
            w.stop.set()

    result = worker.run(idle=0.01, on_tick=on_tick)
    assert ticks == [1, 1] and result.delivered == 1
    assert Worker(outbox, api, stop=worker.stop).run(idle=60) == Worker(outbox, api).progress


class Pauses(threading.Event):
    """A stop event that records how long the worker pauses, and stops it at the first pause."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        self.set()
        return True


def test_with_nothing_due_a_worker_looks_again_after_a_second(
    outbox: Outbox, api: SpotlerClient
) -> None:
    pauses = Pauses()
    Worker(outbox, api, stop=pauses).run()
    assert pauses.waits == [1.0]


def test_every_outcome_is_counted_not_just_noted(
    sim: Sim, outbox: Outbox, api: SpotlerClient, clock: list[float]
) -> None:
    with sim.admin() as admin:
        admin.post("/faults", json={"effect": {"type": "status", "status": 503}, "first": 2})
    worker = Worker(outbox, api, lease_seconds=30)
    for key in ("1001", "1002"):
        outbox.enqueue("contact", key, "contact.upsert", {"properties": {}})
    worker.run_once()
    assert worker.progress.retrying == 2
    clock[0] += 60
    stale = outbox.claim(2, lease_seconds=30)
    clock[0] += 30
    assert len(outbox.claim(2, lease_seconds=30)) == 2  # taken over: both leases ran out
    for call in stale:
        worker.send(call)  # delivered, but under a lease that is no longer theirs
    assert worker.progress.lost_leases == 2 and worker.progress.delivered == 0


def test_a_worker_claims_its_batch_under_its_own_lease(
    outbox: Outbox, api: SpotlerClient, clock: list[float]
) -> None:
    for key in ("1001", "1002", "1003"):
        outbox.enqueue("contact", key, "contact.upsert", {"properties": {}})
    worker = Worker(outbox, api, lease_seconds=30, batch=2)
    seen: list[tuple[int, int]] = []

    def look_while_sending(call: Any) -> None:
        # what another worker can claim meanwhile: the key outside the batch, and none of the
        # batch until its lease of 30 s has run out
        others = outbox.claim(10, lease_seconds=1)
        for other in others:
            outbox.release(other)
        clock[0] += 30
        expired = outbox.claim(10, lease_seconds=1)
        for other in expired:
            outbox.release(other)
        clock[0] -= 30
        seen.append((len(others), len(expired)))
        worker.stop.set()

    worker.send = look_while_sending  # type: ignore[method-assign]
    worker.run_once()
    assert seen == [(1, 3)]
