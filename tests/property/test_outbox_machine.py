"""The outbox under any interleaving of enqueues, outcomes, crashes, restarts and clock moves.

Calls may wait for another key (an order for its contact). A model tracks what the queue must
guarantee; a "remote" records what reached Spotler. After
every step: per-key order holds (a key's calls reach the remote in enqueue order, a replay only
repeating the call just sent), no call is lost, no attempt comes before its schedule allows;
at the end every call is delivered or visibly failed.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from spotler_connector.queue import Failure, Ordering, Outbox, RetryPolicy
from tests.plugins.hypothesis_profiles import scaled

KEYS = st.sampled_from(["A", "B", "C"])
POLICY = RetryPolicy(ladder=(60, 300, 600, 3600), tail=(7200,), max_attempts=5)
STEPS = [60, 300, 600, 3600, 7200]  # the model's own copy of the schedule
LEASE = 120.0
OUTCOMES = st.sampled_from(["deliver", "transient", "permanent", "lost", "crash", "rate-limited"])


class OutboxMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.path = Path(self.folder.name) / "outbox.db"
        self.now = 1_000_000.0
        self.outbox = self._open()
        self.keys: dict[int, str] = {}
        self.waits_for: dict[int, str | None] = {}  # another key a call was enqueued after
        self.final: dict[int, str] = {}  # id -> delivered | failed
        self.due: dict[int, float] = {}  # earliest time each call may be tried again
        self.remote: dict[str, list[int]] = defaultdict(list)

    ORDERING: Ordering = "per-key"

    def _open(self) -> Outbox:
        return Outbox(self.path, policy=POLICY, clock=lambda: self.now, ordering=self.ORDERING)

    def before(self, call_id: int) -> list[int]:
        """The calls that must be delivered or failed before ``call_id`` may go."""
        lanes = {self.keys[call_id], self.waits_for[call_id]}
        return [i for i, k in self.keys.items() if k in lanes and i < call_id]

    @rule(key=KEYS, after=st.none() | KEYS)
    def enqueue(self, key: str, after: str | None) -> None:
        waits = [("contact", after)] if after else []
        call_id = self.outbox.enqueue("contact", key, "contact.upsert", {"key": key}, after=waits)
        self.keys[call_id] = key
        self.waits_for[call_id] = after
        self.due[call_id] = self.now

    @rule(outcome=OUTCOMES, limit=st.integers(1, 3), wait=st.integers(1, 4000))
    def attempt(self, outcome: str, limit: int, wait: int) -> None:
        for call in self.outbox.claim(limit, LEASE):
            key = self.keys[call.id]
            assert self.now >= self.due[call.id], "tried before its schedule allowed"
            assert all(i in self.final for i in self.before(call.id)), "overtook an earlier call"
            if outcome in ("deliver", "lost") or (outcome == "crash" and wait % 2):
                self.remote[key].append(call.id)  # it reached Spotler
            if outcome == "deliver":
                assert self.outbox.delivered(call)
                self.final[call.id] = "delivered"
            elif outcome == "crash":
                self.due[call.id] = self.now + LEASE  # only the lease's end frees it
            else:
                retry_after = float(wait) if outcome == "rate-limited" else None
                failure = Failure(
                    outcome, transient=outcome != "permanent", retry_after=retry_after,
                    maybe_applied=outcome == "lost",
                )  # fmt: skip
                state = self.outbox.failed_attempt(call, failure)
                attempts = call.attempts + 1
                if state == "failed":
                    assert outcome == "permanent" or attempts >= POLICY.max_attempts
                    self.final[call.id] = "failed"
                else:
                    assert state == "pending"
                    step = STEPS[min(attempts, len(STEPS)) - 1]
                    self.due[call.id] = self.now + max(step, retry_after or 0)
                    stored = self.outbox.get(call.id)
                    assert stored is not None and stored.next_attempt_at == self.due[call.id], (
                        "the wait does not follow the schedule"
                    )

    @rule(seconds=st.sampled_from([1, 59, 60, 119, 120, 300, 600, 3600, 7200, 20_000]))
    def advance(self, seconds: int) -> None:
        self.now += seconds

    @rule()
    def restart(self) -> None:
        self.outbox = self._open()  # a new process on the same file; leases stay in it

    @invariant()
    def nothing_is_lost(self) -> None:
        calls = {c.id: c for c in self.outbox.calls(limit=10_000)}
        assert set(calls) == set(self.keys)
        for call_id, state in self.final.items():
            assert calls[call_id].state == state

    @invariant()
    def each_key_reaches_spotler_in_order(self) -> None:
        for sent in self.remote.values():
            assert sent == sorted(sent), f"out of order: {sent}"

    def drain(self) -> None:
        """Spotler recovers: everything still open is delivered, in order, eventually."""
        for _ in range(len(self.keys) * (POLICY.max_attempts + 2)):
            self.now += 10 * 3600
            for call in self.outbox.claim(10, LEASE):
                self.remote[self.keys[call.id]].append(call.id)
                assert self.outbox.delivered(call)
                self.final[call.id] = "delivered"
        assert set(self.final) == set(self.keys), "a call neither delivered nor failed"

    def teardown(self) -> None:
        try:
            self.drain()
            self.nothing_is_lost()
            self.each_key_reaches_spotler_in_order()
        finally:
            self.folder.cleanup()


TestOutbox = OutboxMachine.TestCase
TestOutbox.settings = settings(max_examples=scaled(60), stateful_step_count=40, deadline=None)


class GlobalOrderMachine(OutboxMachine):
    """The vendor's strict reading: one call at a time, oldest first, whatever its key."""

    ORDERING: Ordering = "global"

    def before(self, call_id: int) -> list[int]:
        return [i for i in self.keys if i < call_id]


TestGlobalOrder = GlobalOrderMachine.TestCase
TestGlobalOrder.settings = settings(max_examples=scaled(30), stateful_step_count=30, deadline=None)
