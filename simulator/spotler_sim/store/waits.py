"""Whether an API call may have to wait inside the server: a fault rule that delays or hangs
calls, or an account that caps its calls in flight (a cap only bites when calls overlap).

The server serves a call on its event loop's own thread only while no call can wait
(worker.py); a worker keeps the answer while the database's generation label stands, which
every fault rule added or removed, and every account change, renews (schema.sql).
"""

from __future__ import annotations

import sqlite3

from spotler_sim.domain.faults import WAITING_KINDS
from spotler_sim.store.database import kept

_PLACEHOLDERS = ", ".join("?" * len(WAITING_KINDS))
MAY_WAIT = (
    "SELECT EXISTS (SELECT 1 FROM faults "
    f"WHERE json_extract(rule, '$.effect.type') IN ({_PLACEHOLDERS})) "
    "OR EXISTS (SELECT 1 FROM accounts WHERE json_extract(rate_limit, '$.concurrency') IS NOT NULL)"
)


def calls_may_wait(conn: sqlite3.Connection) -> bool:
    return kept(conn, "calls may wait", _read)


def _read(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute(MAY_WAIT, WAITING_KINDS).fetchone()[0])
