"""The request journal: one row per call to the Spotler API, filterable and paged newest first."""

from __future__ import annotations

import sqlite3
from typing import Any

from spotler_sim.domain.journal import JournalLimit

COLUMNS = (
    "wall_ms", "sim_ms", "method", "path", "query", "operation", "status", "error_type",
    "account", "key", "label", "fault_id", "fault_effect", "duration_ms", "request_headers",
    "request_body", "response_body", "base_string", "response_headers", "rate_limit",
)  # fmt: skip


# The texts a call brings: each clipped to the limit's length, their bytes count to the cap.
# The headers (JSON, bounded by the server's own limits) count but are kept whole.
TEXTS = ("path", "query", "request_body", "response_body", "base_string")
# Each call's ``upto`` is the running total of ``size`` through it (calls journaled before
# there was one count as none of it), so the bytes held are the newest call's total less what
# came before the oldest: no sum, and no other row to write on every call.
_NEWEST = "SELECT upto FROM journal ORDER BY id DESC LIMIT 1"
_BEFORE_OLDEST = "SELECT upto - size FROM journal ORDER BY id LIMIT 1"
# The insert also answers what came before the oldest call: no statement of its own for it.
_INSERT = (
    f"INSERT INTO journal ({', '.join(COLUMNS)}, size, upto) "
    f"VALUES ({', '.join('?' * len(COLUMNS))}, ?, ? + coalesce(({_NEWEST}), 0)) "
    f"RETURNING id, upto, coalesce(({_BEFORE_OLDEST}), upto - size)"
)


_SIM_MS = COLUMNS.index("sim_ms")


def prepare(entry: dict[str, Any], limit: JournalLimit) -> list[Any]:
    """The values of an entry's row, its texts clipped as ``limit`` says and their bytes
    counted (nothing read or written: a call prepares its entry before its turn to write)."""
    values = dict(entry)
    size = 0
    for name in (*TEXTS, "request_headers", "response_headers", "rate_limit"):
        if isinstance(text := values.get(name), str):
            values[name] = limit.clipped(text) if name in TEXTS else text
            size += len(values[name].encode("utf-8", "replace"))
    return [*(values.get(c) for c in COLUMNS), size, size]


def record(conn: sqlite3.Connection, entry: dict[str, Any], limit: JournalLimit) -> int:
    """Journal one call, then prune the oldest calls beyond the limit (never this one)."""
    return append(conn, prepare(entry, limit), limit, entry["sim_ms"])


def append(conn: sqlite3.Connection, values: list[Any], limit: JournalLimit, sim_ms: int) -> int:
    """Journal one call ``prepare()`` made, at ``sim_ms`` (a call reads the simulated time in
    its write transaction), then prune the oldest calls beyond the limit (never this one)."""
    values[_SIM_MS] = sim_ms
    new_id, upto, before = conn.execute(_INSERT, values).fetchone()
    # Ids are given in order and only the oldest are removed: the newest ``rows`` calls are
    # those with ids above new_id - rows (none below 1: nothing to remove before the cap fills).
    if new_id > limit.rows:
        removed = conn.execute(
            "DELETE FROM journal WHERE id <= ? RETURNING upto", (new_id - limit.rows,)
        )
        # A call's total is the total before it plus its size: what came before the oldest
        # call left is the total through the newest call removed.
        before = max((row[0] for row in removed), default=before)
    if upto - before > limit.bytes:
        # Removing the calls through one whose total reaches upto - bytes leaves the cap's worth.
        past = conn.execute(
            "SELECT id FROM journal WHERE id < ? AND upto >= ? ORDER BY id LIMIT 1",
            (new_id, upto - limit.bytes),
        ).fetchone()
        conn.execute("DELETE FROM journal WHERE id <= ?", (past[0] if past else new_id - 1,))
    return int(new_id)


def size(conn: sqlite3.Connection) -> int:
    """The bytes the journal holds (what its cap on bytes counts)."""
    newest = conn.execute(_NEWEST).fetchone()
    return int(newest[0] - conn.execute(_BEFORE_OLDEST).fetchone()[0]) if newest else 0


# filter name -> SQL condition on one value
CONDITIONS = {
    **{
        name: f"{name} = ?" for name in ("method", "account", "key", "label", "operation", "status")
    },
    "error_type": "error_type = ?",
    "path": "path GLOB ?",
    "since_ms": "sim_ms >= ?",
    "until_ms": "sim_ms <= ?",
    "newer_than": "id > ?",  # the dashboard's live view asks for what came after its last row
}


# The condition of the index of refused calls (journal_refused in schema.sql), word for word.
REFUSED = "status >= 400"


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    values: list[Any] = []
    for name, condition in CONDITIONS.items():
        if filters.get(name) is not None:
            clauses.append(condition)
            values.append(filters[name])
    status = filters.get("status")
    if status is not None and int(status) >= 400:
        clauses.append(REFUSED)  # SQLite uses the partial index when its condition is repeated
    fault = filters.get("fault")
    if fault == "any":
        clauses.append("fault_id IS NOT NULL")
    elif fault is not None:
        clauses.append("fault_id = ?")
        values.append(int(fault))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


def entries(
    conn: sqlite3.Connection, filters: dict[str, Any], offset: int, limit: int
) -> list[dict[str, Any]]:
    where, values = _where(filters)
    rows = conn.execute(
        f"SELECT * FROM journal{where} ORDER BY id DESC LIMIT ? OFFSET ?", [*values, limit, offset]
    ).fetchall()
    return [dict(row) for row in rows]


def count(conn: sqlite3.Connection, filters: dict[str, Any]) -> int:
    where, values = _where(filters)
    return int(conn.execute(f"SELECT count(*) FROM journal{where}", values).fetchone()[0])


# What the verdict rules and the exposure report read of each entry (not the response body).
JUDGED = (
    "id", "wall_ms", "duration_ms", "sim_ms", "method", "path", "query", "operation", "status",
    "error_type", "account", "label", "key", "fault_id", "fault_effect", "request_body",
    "response_headers",
)  # fmt: skip


def judged(
    conn: sqlite3.Connection, account: str | None = None, label: str | None = None
) -> list[dict[str, Any]]:
    """Every entry of an account (and authentication label), oldest first, as the rules read it."""
    where, values = _where({"account": account, "label": label})
    rows = conn.execute(f"SELECT {', '.join(JUDGED)} FROM journal{where} ORDER BY id", values)
    return [dict(row) for row in rows]


def clear(conn: sqlite3.Connection) -> int:
    return conn.execute("DELETE FROM journal").rowcount
