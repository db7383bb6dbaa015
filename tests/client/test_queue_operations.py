"""Each outbox operation on its own, with a clock the test moves: what a claim, an outcome, an
operator's retry or discard stores, and what the overview reads back. The state machine in
tests/property/test_outbox_machine.py checks the order guarantees over any interleaving; these
pin the exact values and messages."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from spotler_connector.queue import (
    Failure,
    Outbox,
    QueueError,
    RetryPolicy,
    connect,
    transaction,
)
from tests.plugins.outbox import START as NOW
from tests.plugins.outbox import clocked

POLICY = RetryPolicy(ladder=(60, 300), tail=(900,), max_attempts=3)
TRANSIENT = Failure("busy", transient=True, status=503, error_type="BACKEND_EXCEPTION")
PERMANENT = Failure("no", transient=False, status=400, error_type="INVALID_PARAMS")


@pytest.fixture
def outbox(tmp_path: Path, clock: list[float]) -> Outbox:
    return clocked(tmp_path, clock, POLICY)


def must(outbox: Outbox, call_id: int):  # type: ignore[no-untyped-def]
    call = outbox.get(call_id)
    assert call is not None
    return call


# ---- the schedule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ladder": ()}, "retry steps must be positive seconds, e.g. ladder=(60, 300)"),
        ({"ladder": (0,)}, "retry steps must be positive seconds, e.g. ladder=(60, 300)"),
        ({"tail": (60, -5)}, "retry steps must be positive seconds, e.g. ladder=(60, 300)"),
        ({"max_attempts": 0}, "max_attempts must be 1 or more and jitter in [0, 1)"),
        ({"jitter": 1.0}, "max_attempts must be 1 or more and jitter in [0, 1)"),
        ({"jitter": -0.1}, "max_attempts must be 1 or more and jitter in [0, 1)"),
    ],
)
def test_a_nonsense_schedule_is_refused_with_its_message(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert str(refused.value) == message


def test_the_edges_of_a_sensible_schedule_are_accepted() -> None:
    policy = RetryPolicy(ladder=(0.5,), tail=(), max_attempts=1, jitter=0.0)
    assert policy.step(1) == policy.step(7) == 0.5
    assert RetryPolicy(jitter=0.999).jitter == 0.999


def test_jitter_spreads_the_step_by_the_drawn_fraction() -> None:
    policy = RetryPolicy(ladder=(100,), tail=(), jitter=0.5)
    fraction = random.Random(3).uniform(-0.5, 0.5)
    assert policy.delay(1, rng=random.Random(3)) == 100 * (1 + fraction)
    assert policy.delay(1, retry_after=1000, rng=random.Random(3)) == 1000
    random.seed(5)
    unseeded = policy.delay(1)  # without an rng, the module's generator is used
    random.seed(5)
    assert unseeded == 100 * (1 + random.uniform(-0.5, 0.5))


# ---- enqueue -------------------------------------------------------------------------------------


def test_an_outbox_knows_only_two_orderings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^ordering is 'per-key' or 'global'$"):
        Outbox(tmp_path / "o.db", ordering="by-age")  # type: ignore[arg-type]


def test_enqueue_in_the_callers_transaction_is_undone_with_it(outbox: Outbox) -> None:
    with pytest.raises(RuntimeError), transaction(outbox.path) as conn:
        outbox.enqueue("contact", "1", "contact.upsert", {}, conn=conn)
        raise RuntimeError("the host's change failed")
    assert outbox.counts()["pending"] == 0
    with transaction(outbox.path) as conn:
        call_id = outbox.enqueue("contact", 2, "contact.upsert", {"a": [1]}, conn=conn)  # type: ignore[arg-type]
    call = must(outbox, call_id)
    assert (call.entity, call.key, call.operation, call.payload) == (
        "contact", "2", "contact.upsert", {"a": [1]},
    )  # fmt: skip
    assert call.state == "pending" and call.attempts == 0 and call.ambiguous is False
    assert call.enqueued_at == call.next_attempt_at == NOW
    own = outbox.enqueue("contact", "3", "contact.upsert", {"b": [2]})  # in its own transaction
    assert must(outbox, own).payload == {"b": [2]}


def test_enqueue_on_a_database_without_the_outbox_says_what_to_do(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db")
    with pytest.raises(QueueError) as refused, transaction(tmp_path / "other.db") as conn:
        outbox.enqueue("contact", "1", "contact.upsert", {}, conn=conn)
    assert str(refused.value) == (
        "this connection's database has no outbox: open the Outbox on the same file first "
        "(Outbox(path) creates its table)"
    )


def test_a_call_waits_for_the_earlier_calls_of_the_keys_it_names(outbox: Outbox) -> None:
    contact = outbox.enqueue("contact", "1", "contact.upsert", {})
    order = outbox.enqueue(
        "order",
        "O",
        "order.insert",
        {},
        after=[("contact", 1), ("order", "O")],  # type: ignore[list-item]
    )
    claimed = outbox.claim(10)
    assert [c.id for c in claimed] == [contact]
    assert outbox.delivered(claimed[0])
    assert [c.id for c in outbox.claim(10)] == [order]  # naming its own key is no wait


# ---- claims and outcomes -------------------------------------------------------------------------


def test_a_claim_leases_the_oldest_open_call_of_each_due_key(
    outbox: Outbox, clock: list[float]
) -> None:
    a1 = outbox.enqueue("contact", "A", "contact.upsert", {})
    outbox.enqueue("contact", "A", "contact.upsert", {})
    b1 = outbox.enqueue("contact", "B", "contact.upsert", {})
    c1 = outbox.enqueue("contact", "C", "contact.upsert", {})
    first = outbox.claim(2, lease_seconds=30)
    assert [c.id for c in first] == [a1, b1]
    assert {c.state for c in first} == {"leased"} and len({c.lease_token for c in first}) == 1
    assert first[0].lease_token is not None and not first[0].ambiguous
    assert [c.id for c in outbox.claim(10)] == [c1]  # A and B are leased: nothing more of theirs
    assert outbox.claim(10) == []
    clock[0] += 29.9
    assert outbox.claim(10) == []  # the leases still run
    clock[0] += 0.1
    again = outbox.claim(10)
    assert [c.id for c in again] == [a1, b1]  # their leases ran out: maybe sent, so ambiguous
    assert all(c.ambiguous for c in again) and again[0].lease_token != first[0].lease_token
    assert must(outbox, a1).ambiguous


def test_a_claim_takes_ten_calls_for_two_minutes_unless_asked(
    outbox: Outbox, clock: list[float]
) -> None:
    for key in range(11):
        outbox.enqueue("contact", str(key), "contact.upsert", {})
    assert len(outbox.claim()) == 10
    [last] = outbox.claim()
    clock[0] += 119.9
    assert outbox.claim() == []
    clock[0] += 0.1
    assert [c.id for c in outbox.claim(limit=20)][-1] == last.id  # every lease ran out at 120 s


def test_global_ordering_sends_one_call_at_a_time_oldest_first(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "g.db", ordering="global", clock=lambda: NOW)
    first = outbox.enqueue("contact", "A", "contact.upsert", {})
    second = outbox.enqueue("contact", "B", "contact.upsert", {})
    [claimed] = outbox.claim(10)
    assert claimed.id == first and outbox.claim(10) == []
    assert outbox.delivered(claimed)
    assert [c.id for c in outbox.claim(10)] == [second]


def test_delivery_is_recorded_only_under_the_current_lease(
    outbox: Outbox, clock: list[float]
) -> None:
    call_id = outbox.enqueue("contact", "A", "contact.upsert", {})
    [stale] = outbox.claim(1, lease_seconds=10)
    clock[0] += 10
    [current] = outbox.claim(1, lease_seconds=10)
    clock[0] += 1
    assert outbox.delivered(stale) is False
    assert outbox.failed_attempt(stale, TRANSIENT) is None
    outbox.release(stale)
    assert must(outbox, call_id).state == "leased"
    assert outbox.delivered(current) is True
    done = must(outbox, call_id)
    assert (done.state, done.attempts, done.lease_token) == ("delivered", 1, None)
    assert done.last_attempt_at == done.finished_at == NOW + 11


def test_a_transient_failure_waits_its_step_and_the_last_attempt_fails_for_good(
    outbox: Outbox, clock: list[float]
) -> None:
    call_id = outbox.enqueue("contact", "A", "contact.upsert", {})
    for attempt, wait in ((1, 60), (2, 300)):
        [call] = outbox.claim(1)
        assert outbox.failed_attempt(call, TRANSIENT) == "pending"
        stored = must(outbox, call_id)
        assert (stored.state, stored.attempts, stored.lease_token) == ("pending", attempt, None)
        assert stored.next_attempt_at == clock[0] + wait and stored.finished_at is None
        assert stored.last_attempt_at == clock[0]
        assert (stored.last_status, stored.last_error_type, stored.last_error) == (
            503, "BACKEND_EXCEPTION", "busy",
        )  # fmt: skip
        assert outbox.claim(1) == [] and outbox.counts()["due"] == 0
        clock[0] += wait
        assert outbox.counts()["due"] == 1
    [call] = outbox.claim(1)
    assert outbox.failed_attempt(call, TRANSIENT) == "failed"  # max_attempts reached
    stored = must(outbox, call_id)
    assert stored.state == "failed" and stored.attempts == 3
    assert stored.finished_at == stored.next_attempt_at == clock[0]


def test_a_permanent_failure_fails_at_once_and_a_maybe_applied_one_is_ambiguous(
    outbox: Outbox,
) -> None:
    refused = outbox.enqueue("contact", "A", "contact.upsert", {})
    lost = outbox.enqueue("contact", "B", "contact.upsert", {})
    first, second = outbox.claim(2)
    assert outbox.failed_attempt(first, PERMANENT) == "failed"
    assert outbox.failed_attempt(second, Failure("reset", True, maybe_applied=True)) == "pending"
    assert must(outbox, refused).finished_at == NOW and not must(outbox, refused).ambiguous
    assert must(outbox, lost).ambiguous and must(outbox, lost).last_status is None


def test_a_released_call_is_due_again_with_no_attempt_counted(outbox: Outbox) -> None:
    call_id = outbox.enqueue("contact", "A", "contact.upsert", {})
    [call] = outbox.claim(1)
    outbox.release(call)
    stored = must(outbox, call_id)
    assert (stored.state, stored.attempts, stored.lease_token) == ("pending", 0, None)
    assert [c.id for c in outbox.claim(1)] == [call_id]


# ---- the overview --------------------------------------------------------------------------------


def test_calls_are_listed_oldest_first_and_filtered(outbox: Outbox) -> None:
    a = outbox.enqueue("contact", "A", "contact.upsert", {})
    b = outbox.enqueue("order", "B", "order.insert", {})
    c = outbox.enqueue("contact", "C", "contact.upsert", {})
    first, second, _ = outbox.claim(3)
    outbox.failed_attempt(first, PERMANENT)
    outbox.failed_attempt(second, Failure("gone", False, 404, "ORDER_NOTFOUND"))
    assert [x.id for x in outbox.calls()] == [a, b, c]
    assert [x.id for x in outbox.calls(limit=2)] == [a, b]
    assert [x.id for x in outbox.calls(states=("failed",))] == [a, b]
    assert [x.id for x in outbox.calls(states=("leased",))] == [c]
    assert [x.id for x in outbox.calls(entity="contact")] == [a, c]
    assert [x.id for x in outbox.calls(key="B")] == [b]
    assert [x.id for x in outbox.calls(error_type="INVALID_PARAMS")] == [a]
    assert outbox.get(999) is None


def test_counts_and_the_next_attempt(outbox: Outbox, clock: list[float]) -> None:
    assert outbox.next_attempt_at() is None
    assert outbox.counts() == {
        "pending": 0, "leased": 0, "delivered": 0, "failed": 0, "discarded": 0,
        "waiting": 0, "due": 0,
    }  # fmt: skip
    for key in "ABCD":
        outbox.enqueue("contact", key, "contact.upsert", {})
    a, b, c = outbox.claim(3)
    outbox.delivered(a)
    outbox.failed_attempt(b, PERMANENT)
    outbox.failed_attempt(c, TRANSIENT)  # due again at NOW + 60
    outbox.discard(b.id)
    clock[0] += 1
    assert outbox.counts() == {
        "pending": 2, "leased": 0, "delivered": 1, "failed": 0, "discarded": 1,
        "waiting": 2, "due": 1,
    }  # fmt: skip
    assert outbox.next_attempt_at() == NOW  # D has waited since it was enqueued
    outbox.claim(1)
    assert outbox.counts()["waiting"] == 2 and outbox.counts()["leased"] == 1
    assert outbox.next_attempt_at() == NOW + 60


# ---- an operator's retry and discard -------------------------------------------------------------


def test_a_failed_call_is_retried_with_a_fresh_round(outbox: Outbox, clock: list[float]) -> None:
    call_id = outbox.enqueue("contact", "A", "contact.upsert", {})
    [call] = outbox.claim(1)
    outbox.failed_attempt(call, PERMANENT)
    clock[0] += 500
    outbox.retry(call_id)
    stored = must(outbox, call_id)
    assert (stored.state, stored.attempts, stored.finished_at) == ("pending", 0, None)
    assert stored.next_attempt_at == NOW + 500 and stored.note == "retried by operator"
    with pytest.raises(QueueError) as refused:
        outbox.retry(call_id)
    assert str(refused.value) == f"call {call_id} is pending, not failed: nothing to retry"
    with pytest.raises(QueueError) as missing:
        outbox.retry(999)
    assert str(missing.value) == "no call 999: `spotler-connector failed` lists the failed calls"


def test_a_failed_call_overtaken_by_a_delivered_one_is_not_retried(outbox: Outbox) -> None:
    old = outbox.enqueue("contact", "A", "contact.upsert", {"v": 1})
    new = outbox.enqueue("contact", "A", "contact.upsert", {"v": 2})
    others = [outbox.enqueue("contact", key, "contact.upsert", {}) for key in "BC"]
    [first, *rest] = outbox.claim(3)
    for call in (first, *rest):
        outbox.failed_attempt(call, PERMANENT)
    [second] = outbox.claim(1)
    outbox.delivered(second)
    with pytest.raises(QueueError) as refused:
        outbox.retry(old)
    assert str(refused.value) == (
        f"call {new} for contact A was delivered after this one failed; retrying {old} would "
        f"send older data over newer: discard it, or enqueue a fresh call with the current data"
    )
    done, why = outbox.retry_all_failed()
    assert done == 2 and why == [str(refused.value)]
    assert [must(outbox, i).state for i in others] == ["pending", "pending"]
    assert must(outbox, old).state == "failed"


def test_discard_keeps_a_tombstone_and_refuses_calls_in_flight_or_done(outbox: Outbox) -> None:
    waiting = outbox.enqueue("contact", "A", "contact.upsert", {})
    named = outbox.enqueue("contact", "B", "contact.upsert", {})
    leased = outbox.enqueue("contact", "C", "contact.upsert", {})
    outbox.discard(waiting)
    outbox.discard(named, "replaced by call 9")
    [in_flight] = outbox.claim(1)
    assert in_flight.id == leased
    tomb = must(outbox, waiting)
    assert (tomb.state, tomb.note, tomb.finished_at) == ("discarded", "discarded by operator", NOW)
    assert must(outbox, named).note == "replaced by call 9"
    for call_id, state in ((leased, "leased"), (waiting, "discarded")):
        with pytest.raises(QueueError) as refused:
            outbox.discard(call_id)
        assert str(refused.value) == (
            f"call {call_id} is {state}: only failed or waiting calls can be discarded"
        )


def test_connections_are_durable_and_rows_read_by_name(tmp_path: Path) -> None:
    conn = connect(tmp_path / "c.db")
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        # a worker waits up to 30 s for another's write lock before it gives up (not 5 s)
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
        assert conn.row_factory is sqlite3.Row and conn.isolation_level is None
    finally:
        conn.close()


def test_the_overview_lists_500_calls_unless_asked_and_retry_all_takes_every_failed_one(
    outbox: Outbox,
) -> None:
    with transaction(outbox.path) as conn:
        for n in range(501):
            outbox.enqueue("contact", str(n), "contact.upsert", {}, conn=conn)
        # 501 failed calls, as 501 permanent errors would leave them
        conn.execute("UPDATE spotler_outbox SET state = 'failed', attempts = 1")
    assert len(outbox.calls()) == 500
    assert len(outbox.calls(limit=501)) == 501
    assert outbox.retry_all_failed() == (501, [])
    assert outbox.counts()["pending"] == 501


def test_the_outbox_jitters_with_its_own_generator(tmp_path: Path) -> None:
    policy = RetryPolicy(ladder=(100,), tail=(), jitter=0.5)
    outbox = Outbox(tmp_path / "j.db", policy=policy, clock=lambda: NOW, rng=random.Random(11))
    call_id = outbox.enqueue("contact", "A", "contact.upsert", {})
    [call] = outbox.claim(1)
    outbox.failed_attempt(call, TRANSIENT)
    expected = 100 * (1 + random.Random(11).uniform(-0.5, 0.5))
    assert must(outbox, call_id).next_attempt_at == NOW + expected
