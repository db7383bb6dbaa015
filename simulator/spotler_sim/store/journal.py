"""The request journal: one row per call to the Spotler API, filterable and paged newest first."""

from __future__ import annotations

import sqlite3
from typing import Any

COLUMNS = (
    "wall_ms", "sim_ms", "method", "path", "query", "operation", "status", "error_type",
    "account", "key", "label", "fault_id", "fault_effect", "duration_ms", "request_headers",
    "request_body", "response_body", "base_string",
)  # fmt: skip


def record(conn: sqlite3.Connection, entry: dict[str, Any]) -> int:
    names = ", ".join(COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    cursor = conn.execute(
        f"INSERT INTO journal ({names}) VALUES ({marks})", [entry.get(c) for c in COLUMNS]
    )
    return int(cursor.lastrowid or 0)


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


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    values: list[Any] = []
    for name, condition in CONDITIONS.items():
        if filters.get(name) is not None:
            clauses.append(condition)
            values.append(filters[name])
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


def clear(conn: sqlite3.Connection) -> int:
    return conn.execute("DELETE FROM journal").rowcount
