"""The outbox: a durable SQLite queue of Spotler calls, delivered in chronological order.

Every call goes through here, never straight to Spotler: a host application enqueues the call in
the same transaction as the change that caused it (pass your own ``sqlite3`` connection to
:meth:`Outbox.enqueue`), so a change is never committed without its call or the other way round.

Order. Calls are grouped by entity key (``("contact", "1001")``). A key's next call becomes due
only when every earlier call for that key has been delivered or has failed for good, so an
update never overtakes an older update of the same contact, while a stuck contact does not hold
back any other. A call can also wait for other keys (``after=[("contact", "1001")]``): an order
enqueued after its customer and products is not sent before their earlier calls are done, so it
never meets "contact not found" because the contact's insert was still being retried. ``ordering="global"`` is the vendor's strict reading: one call at a time, oldest
first, whatever its key.

Claims are leases. A worker claims due calls for ``lease_seconds`` under a lease token; a worker
killed mid-call leaves a lease that expires, after which the call is due again (marked
*ambiguous*: it may have reached Spotler). A worker that lost its lease cannot record a result.

Retries follow :class:`RetryPolicy`: 1 min, 5 min, 10 min, 1 h, then a tail, at most
``max_attempts``; a ``Retry-After`` longer than the step wins. Permanent errors fail at once.
A failed call stays visible in the overview until an operator retries or discards it; nothing is
ever deleted silently. An operator cannot retry a failed call once a later call for the same key
was delivered: that would send older data over newer.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Ordering = Literal["per-key", "global"]
OPEN = ("pending", "leased")
STATES = ("pending", "leased", "delivered", "failed", "discarded")

SCHEMA = """
CREATE TABLE IF NOT EXISTS spotler_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: ids are the order
    entity          TEXT NOT NULL,
    key             TEXT NOT NULL,
    operation       TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    ambiguous       INTEGER NOT NULL DEFAULT 0,         -- an earlier attempt may have landed
    enqueued_at     REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    lease_token     TEXT,
    lease_until     REAL,
    last_attempt_at REAL,
    last_status     INTEGER,
    last_error_type TEXT,
    last_error      TEXT,
    finished_at     REAL,
    note            TEXT
);
CREATE INDEX IF NOT EXISTS spotler_outbox_key ON spotler_outbox (entity, key, id);
-- Other keys a call waits for (an order for its contact and products): their earlier calls go first.
CREATE TABLE IF NOT EXISTS spotler_outbox_after (
    call_id INTEGER NOT NULL REFERENCES spotler_outbox(id),
    entity  TEXT NOT NULL,
    key     TEXT NOT NULL,
    PRIMARY KEY (call_id, entity, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS spotler_outbox_open ON spotler_outbox (state, next_attempt_at);
"""


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed call again: ``ladder`` then ``tail`` (its last step repeats)."""

    ladder: tuple[float, ...] = (60, 300, 600, 3600)
    tail: tuple[float, ...] = (3 * 3600, 6 * 3600, 12 * 3600)
    max_attempts: int = 10
    jitter: float = 0.0  # 0.1 spreads each step over +-10 %
    max_retry_after: float = 6 * 3600  # a longer Retry-After is capped here

    def __post_init__(self) -> None:
        if not self.ladder or any(step <= 0 for step in (*self.ladder, *self.tail)):
            raise ValueError("retry steps must be positive seconds, e.g. ladder=(60, 300)")
        if self.max_attempts < 1 or not 0 <= self.jitter < 1:
            raise ValueError("max_attempts must be 1 or more and jitter in [0, 1)")

    def step(self, failures: int) -> float:
        """The plain wait after the ``failures``-th failed attempt (1-based)."""
        steps = (*self.ladder, *self.tail)
        return steps[min(failures, len(steps)) - 1]

    def delay(
        self, failures: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        wait = self.step(failures)
        if self.jitter:
            wait *= 1 + (rng or random).uniform(-self.jitter, self.jitter)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait


@dataclass
class Call:
    """One queued call, as a worker or the overview sees it."""

    id: int
    entity: str
    key: str
    operation: str
    payload: Any
    state: str
    attempts: int
    ambiguous: bool
    enqueued_at: float
    next_attempt_at: float
    lease_token: str | None = None
    last_attempt_at: float | None = None
    last_status: int | None = None
    last_error_type: str | None = None
    last_error: str | None = None
    finished_at: float | None = None
    note: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Call:
        data = dict(row)
        data.pop("lease_until")  # every row is read whole (SELECT *)
        data["payload"] = json.loads(data["payload"])
        data["ambiguous"] = bool(data["ambiguous"])
        return cls(**data)


@dataclass(frozen=True)
class Failure:
    """How an attempt went wrong, as the worker reports it to the queue."""

    message: str
    transient: bool
    status: int | None = None
    error_type: str | None = None
    retry_after: float | None = None
    maybe_applied: bool = False  # the call may have reached Spotler (lost answer, timeout)


@dataclass
class Outbox:
    """The queue in one SQLite file (WAL); several workers and processes may share it."""

    path: str | Path
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    ordering: Ordering = "per-key"
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.ordering not in ("per-key", "global"):
            raise ValueError("ordering is 'per-key' or 'global'")
        with closing(self._connect()) as conn:
            conn.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path)

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path)

    # ---- enqueue --------------------------------------------------------------------------------

    def enqueue(
        self,
        entity: str,
        key: str,
        operation: str,
        payload: Any,
        *,
        after: Iterable[tuple[str, str]] = (),
        conn: sqlite3.Connection | None = None,
    ) -> int:
        """Queue a call; with ``conn`` it joins the caller's transaction (commit is theirs).

        ``after`` names other (entity, key) pairs whose earlier calls must be done first."""
        if conn is not None:
            if not _has_table(conn):
                raise QueueError(
                    "this connection's database has no outbox: open the Outbox on the same file "
                    "first (Outbox(path) creates its table)"
                )
            return _insert(conn, entity, key, operation, payload, after, self.clock())
        with self._tx() as own:
            return _insert(own, entity, key, operation, payload, after, self.clock())

    # ---- workers --------------------------------------------------------------------------------

    def claim(self, limit: int = 10, lease_seconds: float = 120) -> list[Call]:
        """Lease up to ``limit`` due calls, at most one per key (the oldest open call of it)."""
        now = self.clock()
        token = secrets.token_hex(8)
        # global ordering: the query finds at most one call, the oldest open one
        sql = _DUE_GLOBAL if self.ordering == "global" else _DUE_PER_KEY
        with self._tx() as conn:
            rows = conn.execute(sql, {"now": now, "limit": limit}).fetchall()
            calls = []
            for row in rows:
                call = Call.from_row(row)
                # a lease that ran out means a worker died mid-call: it may have been sent
                expired = call.state == "leased"
                conn.execute(_LEASE, (token, now + lease_seconds, expired, call.id))
                call.state, call.lease_token = "leased", token
                call.ambiguous = call.ambiguous or expired
                calls.append(call)
            return calls

    def delivered(self, call: Call) -> bool:
        """Record success; False when the lease was lost (another worker owns the call now)."""
        now = self.clock()
        with self._tx() as conn:
            done = conn.execute(_DELIVERED, (now, now, call.id, call.lease_token))
            return done.rowcount == 1

    def failed_attempt(self, call: Call, failure: Failure) -> str | None:
        """Record a failed attempt: the call's new state ('pending' or 'failed'), or None when
        the lease was lost."""
        now = self.clock()
        attempts = call.attempts + 1
        final = not failure.transient or attempts >= self.policy.max_attempts
        wait = 0.0 if final else self.policy.delay(attempts, failure.retry_after, self.rng)
        state = "failed" if final else "pending"
        with self._tx() as conn:
            done = conn.execute(
                _FAILED_ATTEMPT,
                (state, attempts, now, now + wait, failure.status, failure.error_type,
                 failure.message, failure.maybe_applied, now if final else None, call.id,
                 call.lease_token),
            )  # fmt: skip
            return state if done.rowcount == 1 else None

    def release(self, call: Call) -> None:
        """Give back a claimed call that was never sent (a worker stopping): no attempt counted."""
        with self._tx() as conn:
            conn.execute(_RELEASE, (call.id, call.lease_token))

    # ---- the overview ---------------------------------------------------------------------------

    def calls(
        self,
        *,
        states: tuple[str, ...] = STATES,
        entity: str | None = None,
        key: str | None = None,
        error_type: str | None = None,
        limit: int = 500,
    ) -> list[Call]:
        """Calls in the given states, oldest first, filtered (an empty filter is no filter)."""
        filters = {"entity": entity or None, "key": key or None, "error_type": error_type or None}
        with closing(self._connect()) as conn:
            rows = conn.execute(
                _CALLS, {"states": json.dumps(states), **filters, "limit": limit}
            ).fetchall()
        return [Call.from_row(r) for r in rows]

    def get(self, call_id: int) -> Call | None:
        with closing(self._connect()) as conn:
            row = conn.execute(_BY_ID, (call_id,)).fetchone()
        return Call.from_row(row) if row else None

    def counts(self) -> dict[str, int]:
        """Calls per state, ``waiting`` (pending or leased) and ``due`` (pending, time come)."""
        with closing(self._connect()) as conn:
            found = dict.fromkeys(STATES, 0)
            for state, n in conn.execute(_COUNT_BY_STATE):
                found[state] = n
            found["waiting"] = sum(found[s] for s in OPEN)
            found["due"] = conn.execute(_COUNT_DUE, (self.clock(),)).fetchone()[0]
        return found

    def next_attempt_at(self) -> float | None:
        with closing(self._connect()) as conn:
            found = conn.execute(_NEXT_ATTEMPT_AT).fetchone()[0]
        return float(found) if found is not None else None

    def retry(self, call_id: int) -> None:
        """Put a failed call back in line, due now, with a fresh round of attempts."""
        with self._tx() as conn:
            call = _call_or_raise(conn, call_id)
            if call.state != "failed":
                raise QueueError(f"call {call_id} is {call.state}, not failed: nothing to retry")
            newer = conn.execute(_DELIVERED_LATER, (call.entity, call.key, call.id)).fetchone()
            if newer is not None:
                raise QueueError(
                    f"call {newer[0]} for {call.entity} {call.key} was delivered after this one "
                    f"failed; retrying {call_id} would send older data over newer: discard it, "
                    f"or enqueue a fresh call with the current data"
                )
            conn.execute(_RETRY, (self.clock(), call_id))

    def retry_all_failed(self) -> tuple[int, list[str]]:
        """Retry every failed call that may be retried: (how many, why the others were not)."""
        done, refused = 0, []
        for call in self.calls(states=("failed",), limit=1_000_000):
            try:
                self.retry(call.id)
                done += 1
            except QueueError as exc:
                refused.append(str(exc))
        return done, refused

    def discard(self, call_id: int, reason: str = "discarded by operator") -> None:
        """Give up on a failed or waiting call; it stays in the table as a tombstone."""
        with self._tx() as conn:
            call = _call_or_raise(conn, call_id)
            if call.state not in ("failed", "pending"):
                raise QueueError(
                    f"call {call_id} is {call.state}: only failed or waiting calls can be discarded"
                )
            conn.execute(_DISCARD, (self.clock(), reason, call_id))


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in WAL mode whose commits survive power loss; rows by column name."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(_WAL)
    conn.execute(_SYNCHRONOUS_FULL)
    return conn


@contextmanager
def transaction(path: str | Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on ``path``, taken at once (BEGIN IMMEDIATE): commit or roll back."""
    conn = connect(path)
    try:
        conn.execute(_BEGIN_IMMEDIATE)
        yield conn
        conn.execute(_COMMIT)
    except BaseException:
        conn.execute(_ROLLBACK)
        raise
    finally:
        conn.close()


class QueueError(Exception):
    """An operator action that cannot be done; the message says what to do instead."""


# ---- SQL statements -----------------------------------------------------------------------------
# Named here, at module level, so that each statement is written once and read as one piece.
# mutmut mutates only code inside functions, so the text of a statement is out of its reach: its
# mutants there only changed letter case, which SQLite ignores in keywords and names (equivalent
# mutants, no test could kill them). What the SQL does is pinned by the tests of the queue's
# behaviour (tests/client/test_queue_operations.py, tests/property/test_outbox_machine.py).

_WAL = "PRAGMA journal_mode=WAL"
_SYNCHRONOUS_FULL = "PRAGMA synchronous=FULL"
_BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"
_COMMIT = "COMMIT"
_ROLLBACK = "ROLLBACK"

_HAS_OUTBOX = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spotler_outbox'"

_INSERT = """
INSERT INTO spotler_outbox (entity, key, operation, payload, enqueued_at, next_attempt_at)
VALUES (?, ?, ?, ?, ?, ?)
"""
_INSERT_AFTER = "INSERT OR IGNORE INTO spotler_outbox_after (call_id, entity, key) VALUES (?, ?, ?)"

_LEASE = """
UPDATE spotler_outbox SET state = 'leased', lease_token = ?, lease_until = ?,
    ambiguous = ambiguous OR ?
WHERE id = ?
"""

_DELIVERED = """
UPDATE spotler_outbox SET state = 'delivered', attempts = attempts + 1, last_attempt_at = ?,
    finished_at = ?, lease_token = NULL, lease_until = NULL
WHERE id = ? AND state = 'leased' AND lease_token = ?
"""

_FAILED_ATTEMPT = """
UPDATE spotler_outbox SET state = ?, attempts = ?, last_attempt_at = ?, next_attempt_at = ?,
    last_status = ?, last_error_type = ?, last_error = ?, ambiguous = ambiguous OR ?,
    finished_at = ?, lease_token = NULL, lease_until = NULL
WHERE id = ? AND state = 'leased' AND lease_token = ?
"""

_RELEASE = """
UPDATE spotler_outbox SET state = 'pending', lease_token = NULL, lease_until = NULL
WHERE id = ? AND state = 'leased' AND lease_token = ?
"""

# The overview: states as a JSON list; a filter that is NULL filters nothing.
_CALLS = """
SELECT * FROM spotler_outbox
WHERE state IN (SELECT value FROM json_each(:states))
  AND (:entity IS NULL OR entity = :entity)
  AND (:key IS NULL OR key = :key)
  AND (:error_type IS NULL OR last_error_type = :error_type)
ORDER BY id LIMIT :limit
"""

_BY_ID = "SELECT * FROM spotler_outbox WHERE id = ?"

_COUNT_BY_STATE = "SELECT state, count(*) FROM spotler_outbox GROUP BY 1"
_COUNT_DUE = "SELECT count(*) FROM spotler_outbox WHERE state = 'pending' AND next_attempt_at <= ?"
_NEXT_ATTEMPT_AT = "SELECT min(next_attempt_at) FROM spotler_outbox WHERE state = 'pending'"

_DELIVERED_LATER = """
SELECT id FROM spotler_outbox
WHERE entity = ? AND key = ? AND id > ? AND state = 'delivered'
ORDER BY id LIMIT 1
"""

_RETRY = """
UPDATE spotler_outbox SET state = 'pending', attempts = 0, next_attempt_at = ?,
    finished_at = NULL, note = 'retried by operator'
WHERE id = ?
"""

_DISCARD = """
UPDATE spotler_outbox SET state = 'discarded', finished_at = ?, note = ?, lease_token = NULL
WHERE id = ?
"""

_DUE_PER_KEY = """
SELECT o.* FROM spotler_outbox o
WHERE o.state IN ('pending', 'leased')
  AND o.id = (SELECT min(p.id) FROM spotler_outbox p
              WHERE p.entity = o.entity AND p.key = o.key AND p.state IN ('pending', 'leased'))
  AND NOT EXISTS (SELECT 1 FROM spotler_outbox_after a
                  JOIN spotler_outbox p ON p.entity = a.entity AND p.key = a.key AND p.id < o.id
                  WHERE a.call_id = o.id AND p.state IN ('pending', 'leased'))
  AND ((o.state = 'pending' AND o.next_attempt_at <= :now)
       OR (o.state = 'leased' AND o.lease_until <= :now))
ORDER BY o.id LIMIT :limit
"""

_DUE_GLOBAL = """
SELECT o.* FROM spotler_outbox o
WHERE o.id = (SELECT min(id) FROM spotler_outbox WHERE state IN ('pending', 'leased'))
  AND ((o.state = 'pending' AND o.next_attempt_at <= :now)
       OR (o.state = 'leased' AND o.lease_until <= :now))
LIMIT :limit
"""


def _has_table(conn: sqlite3.Connection) -> bool:
    found = conn.execute(_HAS_OUTBOX).fetchone()
    return found is not None


def _insert(
    conn: sqlite3.Connection, entity: str, key: str, operation: str, payload: Any,
    after: Iterable[tuple[str, str]], now: float,
) -> int:  # fmt: skip
    cursor = conn.execute(
        _INSERT,
        (entity, str(key), operation, json.dumps(payload), now, now),
    )
    call_id = int(cursor.lastrowid or 0)
    conn.executemany(
        _INSERT_AFTER,
        [(call_id, e, str(k)) for e, k in after if (e, str(k)) != (entity, str(key))],
    )
    return call_id


def _call_or_raise(conn: sqlite3.Connection, call_id: int) -> Call:
    row = conn.execute(_BY_ID, (call_id,)).fetchone()
    if row is None:
        raise QueueError(f"no call {call_id}: `spotler-connector failed` lists the failed calls")
    return Call.from_row(row)
