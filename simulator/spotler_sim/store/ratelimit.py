"""Rate-limit counters in SQLite, shared by every worker: the calls that passed within the
window, and the calls in flight. Callers hold the write lock around a decision and its count,
so two workers never both spend the last of a budget."""

from __future__ import annotations

import sqlite3

# A call in flight longer than this is taken for one a killed worker left behind.
IN_FLIGHT_EXPIRY_MS = 10 * 60 * 1000


def counted(
    conn: sqlite3.Connection, account_id: int, bucket: str, now_ms: int, window_ms: int
) -> list[tuple[int, int]]:
    """(at ms, cost) of the calls within the window, oldest first; older ones are forgotten."""
    conn.execute(
        "DELETE FROM rate_calls WHERE account_id = ? AND bucket = ? AND at_ms <= ?",
        (account_id, bucket, now_ms - window_ms),
    )
    rows = conn.execute(
        "SELECT at_ms, cost FROM rate_calls WHERE account_id = ? AND bucket = ? ORDER BY at_ms",
        (account_id, bucket),
    )
    return [(int(at), int(cost)) for at, cost in rows]


def count(conn: sqlite3.Connection, account_id: int, bucket: str, at_ms: int, cost: int) -> None:
    conn.execute(
        "INSERT INTO rate_calls (account_id, bucket, at_ms, cost) VALUES (?, ?, ?, ?)",
        (account_id, bucket, at_ms, cost),
    )


def in_flight(conn: sqlite3.Connection, account_id: int, bucket: str, now_ms: int) -> int:
    (found,) = conn.execute(
        "SELECT count(*) FROM rate_inflight WHERE account_id = ? AND bucket = ? AND started_ms > ?",
        (account_id, bucket, now_ms - IN_FLIGHT_EXPIRY_MS),
    ).fetchone()
    return int(found)


def enter(conn: sqlite3.Connection, account_id: int, bucket: str, now_ms: int) -> int:
    cursor = conn.execute(
        "INSERT INTO rate_inflight (account_id, bucket, started_ms) VALUES (?, ?, ?)",
        (account_id, bucket, now_ms),
    )
    return int(cursor.lastrowid or 0)


def leave(conn: sqlite3.Connection, row_id: int) -> None:
    conn.execute("DELETE FROM rate_inflight WHERE id = ?", (row_id,))


def clear(conn: sqlite3.Connection, account_id: int) -> None:
    """Forget every count of an account (its limit changed)."""
    conn.execute("DELETE FROM rate_calls WHERE account_id = ?", (account_id,))


def usage(
    conn: sqlite3.Connection, account_id: int, now_ms: int, window_ms: int
) -> dict[str, tuple[int, int]]:
    """Per budget: (cost spent within the window, calls in flight), for the dashboard."""
    found: dict[str, tuple[int, int]] = {}
    for bucket, spent in conn.execute(
        "SELECT bucket, sum(cost) FROM rate_calls WHERE account_id = ? AND at_ms > ? "
        "GROUP BY bucket",
        (account_id, now_ms - window_ms),
    ):
        found[bucket] = (int(spent), 0)
    for bucket, flying in conn.execute(
        "SELECT bucket, count(*) FROM rate_inflight WHERE account_id = ? AND started_ms > ? "
        "GROUP BY bucket",
        (account_id, now_ms - IN_FLIGHT_EXPIRY_MS),
    ):
        found[bucket] = (found.get(bucket, (0, 0))[0], int(flying))
    return found
