"""An outbox per test, and a way to put calls in it in a given state without a Spotler."""

from __future__ import annotations

from pathlib import Path

import pytest

from spotler_connector.queue import Call, Failure, Outbox, RetryPolicy

START = 1_000_000.0  # where a test's outbox clock starts


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(tmp_path / "outbox.db")


@pytest.fixture
def clock() -> list[float]:
    """An outbox clock the test moves by hand (``clock[0] += 60``)."""
    return [START]


def clocked(tmp_path: Path, clock: list[float], policy: RetryPolicy) -> Outbox:
    """An outbox reading the test's clock."""
    return Outbox(tmp_path / "outbox.db", policy=policy, clock=lambda: clock[0])


def claim(outbox: Outbox, call_id: int) -> Call:
    """Lease one call (handing back any other that came with it)."""
    for call in outbox.claim(100):
        if call.id == call_id:
            return call
        outbox.release(call)
    raise AssertionError(f"call {call_id} was not due")


def fail(outbox: Outbox, entity: str, key: str, error_type: str = "INVALID_PROPERTY") -> int:
    """Queue a call and fail it for good, as a 400 with ``error_type`` would."""
    call_id = outbox.enqueue(entity, key, f"{entity}.insert", {"key": key})
    failure = Failure(f"{key} was refused", transient=False, status=400, error_type=error_type)
    assert outbox.failed_attempt(claim(outbox, call_id), failure) == "failed"
    return call_id
