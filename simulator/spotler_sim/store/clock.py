"""The simulated clock's state, one row shared by every worker."""

from __future__ import annotations

import sqlite3

from spotler_sim.domain.clock import ClockState
from spotler_sim.store.database import kept


def read_clock(conn: sqlite3.Connection) -> ClockState:
    """The clock's state; a connection of ours keeps it while the generation label stands
    (every change of the clock renews it)."""
    return kept(conn, "clock", _read_clock)


def _read_clock(conn: sqlite3.Connection) -> ClockState:
    row = conn.execute("SELECT mode, offset_ms, frozen_ms FROM clock WHERE id = 1").fetchone()
    return ClockState(row["mode"], row["offset_ms"], row["frozen_ms"]) if row else ClockState()


def write_clock(conn: sqlite3.Connection, state: ClockState) -> None:
    conn.execute(
        "INSERT INTO clock (id, mode, offset_ms, frozen_ms) VALUES (1, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, offset_ms = excluded.offset_ms, "
        "frozen_ms = excluded.frozen_ms",
        (state.mode, state.offset_ms, state.frozen_ms),
    )
