"""The worker's outcomes against a live simulator: lost answers replayed safely, permanent errors
failed at once, calls it cannot make failed with a reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from spotler_connector.api import SpotlerClient
from spotler_connector.queue import Outbox, RetryPolicy
from spotler_connector.worker import Worker
from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import DEMO_KEYS, LiveServer

NOW_AGAIN = RetryPolicy(ladder=(0.001,), tail=(), max_attempts=5)


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[AdminClient]:
    with AdminClient(live_server.base) as client:
        yield client


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.db", policy=NOW_AGAIN)


def drain(outbox: Outbox, live: LiveServer) -> Worker:
    with SpotlerClient(live.base, *DEMO_KEYS["webshop"]) as api:
        worker = Worker(outbox, api)
        for _ in range(10):
            worker.run_once()
            if not outbox.counts()["pending"]:
                break
    return worker


def test_an_insert_whose_answer_was_lost_is_replayed_as_an_upsert(
    live_server: LiveServer, outbox: Outbox, admin: AdminClient
) -> None:
    admin.add_fault(
        {"match": {"method": "POST", "path": "/contact"}, "first": 1,
         "effect": {"type": "lostResponse"}}
    )  # fmt: skip
    call_id = outbox.enqueue(
        "contact", "8801", "contact.insert", {"properties": {"firstName": "Lost"}}
    )
    worker = drain(outbox, live_server)
    call = outbox.get(call_id)
    assert call is not None and call.state == "delivered" and call.attempts == 2
    assert call.ambiguous and worker.progress.retrying == 1
    posts = admin.requests(method="POST", path="*/contact")["requests"]
    sent = [json.loads(e["requestBody"])["update"] for e in reversed(posts)]
    assert sent == [False, True]  # the first time an insert, the replay an upsert
    [contact] = [c for c in admin.snapshot("demo")["accounts"][0]["contacts"]
                 if c["ids"].get("externalCustomerId") == "8801"]  # fmt: skip
    assert contact["properties"]["firstName"] == "Lost"


def test_a_permanent_error_fails_at_once_and_a_transient_one_is_retried(
    live_server: LiveServer, outbox: Outbox, admin: AdminClient
) -> None:
    admin.add_fault(
        {"match": {"method": "PUT"}, "first": 2,
         "effect": {"type": "status", "status": 503, "errorType": "BACKEND_EXCEPTION"}}
    )  # fmt: skip
    exists = outbox.enqueue("contact", "1001", "contact.insert", {"properties": {}})
    update = outbox.enqueue(
        "contact", "1002", "contact.update", {"properties": {"firstName": "Again"}}
    )
    drain(outbox, live_server)
    refused, retried = outbox.get(exists), outbox.get(update)
    assert refused is not None and refused.state == "failed" and refused.attempts == 1
    assert refused.last_status == 400 and refused.last_error_type == "CONTACT_ALREADY_EXISTS"
    assert retried is not None and retried.state == "delivered" and retried.attempts == 3


def test_calls_it_cannot_make_fail_with_the_reason(live_server: LiveServer, outbox: Outbox) -> None:
    unknown = outbox.enqueue("contact", "1", "contact.teleport", {})
    unusable = outbox.enqueue("contact", "2", "contact.upsert", {"no": "properties"})
    first_delete = outbox.enqueue("order", "NEVER-PLACED", "order.delete", {})
    drain(outbox, live_server)
    for call_id, error_type, hint in (
        (unknown, "UNKNOWN_OPERATION", "use one of"),
        (unusable, "BAD_PAYLOAD", "enqueue it with the fields"),
        (first_delete, "ORDER_NOTFOUND", "POST /order"),  # nothing to delete on a first try
    ):
        call = outbox.get(call_id)
        assert call is not None and call.state == "failed" and call.attempts == 1
        assert call.last_error_type == error_type
        assert hint in (call.last_error or "")


def test_a_call_whose_lease_ran_out_is_not_recorded_and_the_status_says_so(
    live_server: LiveServer, tmp_path: Path
) -> None:
    from rich.console import Console

    from spotler_connector.display import status_table

    clock = [1000.0]
    outbox = Outbox(tmp_path / "slow.db", policy=NOW_AGAIN, clock=lambda: clock[0])
    call_id = outbox.enqueue("contact", "8802", "contact.upsert", {"properties": {}})
    with SpotlerClient(live_server.base, *DEMO_KEYS["webshop"]) as api:
        slow = Worker(outbox, api, lease_seconds=30)
        [claimed] = outbox.claim(1, lease_seconds=30)
        clock[0] += 31  # the call took longer than its lease: another worker takes it over
        [again] = outbox.claim(1, lease_seconds=30)
        slow.send(claimed)
    assert again.id == call_id and again.ambiguous
    assert slow.progress.delivered == 0 and slow.progress.lost_leases == 1
    stored = outbox.get(call_id)
    assert (
        stored is not None and stored.state == "leased" and stored.lease_token == again.lease_token
    )
    console = Console(record=True, width=200)
    console.print(status_table(outbox, slow))
    assert "1 outcomes not recorded: the lease ran out" in " ".join(console.export_text().split())
