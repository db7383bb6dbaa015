"""Fault rules in SQLite, with match counters every worker shares."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from spotler_sim.domain.faults import FaultRule
from spotler_sim.store.database import kept


def add_fault(conn: sqlite3.Connection, rule: dict[str, Any]) -> int:
    cursor = conn.execute("INSERT INTO faults (rule) VALUES (?)", (json.dumps(rule),))
    return int(cursor.lastrowid or 0)


def all_faults(conn: sqlite3.Connection) -> list[tuple[int, dict[str, Any], int, int]]:
    """(id, rule document, matches, fired) of every rule, oldest first."""
    rows = conn.execute("SELECT id, rule, matches, fired FROM faults ORDER BY id").fetchall()
    return [(int(r["id"]), json.loads(r["rule"]), int(r["matches"]), int(r["fired"])) for r in rows]


def rules(conn: sqlite3.Connection) -> list[FaultRule]:
    """Every rule, oldest first. A connection of ours keeps them while the generation label
    stands: each rule added or removed renews it, and a rule's document never changes (only its
    counters do, which a rule does not hold)."""
    return kept(conn, "fault rules", _read_rules)


def _read_rules(conn: sqlite3.Connection) -> list[FaultRule]:
    rows = conn.execute("SELECT id, rule FROM faults ORDER BY id")
    return [FaultRule.from_document(int(r[0]), json.loads(r[1])) for r in rows]


def delete_fault(conn: sqlite3.Connection, fault_id: int) -> bool:
    return conn.execute("DELETE FROM faults WHERE id = ?", (fault_id,)).rowcount > 0


def clear_faults(conn: sqlite3.Connection) -> int:
    return conn.execute("DELETE FROM faults").rowcount


def count_match(conn: sqlite3.Connection, fault_id: int) -> int:
    """Count one more match of a rule and answer its number (1 for the first)."""
    row = conn.execute(
        "UPDATE faults SET matches = matches + 1 WHERE id = ? RETURNING matches", (fault_id,)
    ).fetchone()
    return int(row[0]) if row else 0


def count_fired(conn: sqlite3.Connection, fault_id: int) -> None:
    conn.execute("UPDATE faults SET fired = fired + 1 WHERE id = ?", (fault_id,))
