"""One transaction at a time held open across the steps of a call to the API, so that a call
begins and commits as few transactions as it can.

Admission reads the caller, the clock and the fault rules in a read transaction that stays open:
a handler that only reads reads in the same snapshot. A handler that writes ends it and begins
the write transaction, which stays open after the handler until the call's journal entry is
written in it: one commit for both. Whatever is held when the call ends is committed (a write
that failed was rolled back where it failed).

The simulated clock is read once per transaction (it cannot change within one), and the last
state read stays known after it ends: the journal entry's time.
"""

from __future__ import annotations

import sqlite3

from spotler_sim.domain.clock import ClockState
from spotler_sim.store.clock import read_clock
from spotler_sim.store.database import Connection, Database


class HeldTransaction:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: Connection | None = None
        self.writing = False
        self.seen_clock: ClockState | None = None  # the last clock read, kept after the end
        self._clock: ClockState | None = None  # the clock of the transaction held now

    def read(self) -> sqlite3.Connection:
        """The transaction held (read or write), or a new read transaction."""
        if self.conn is None:
            self.conn = self.db.begin_read()
        return self.conn

    def write(self) -> sqlite3.Connection:
        """The write transaction held, or a new one (a read transaction held ends first)."""
        if self.conn is None or not self.writing:
            self.commit()
            self.conn, self.writing = self.db.begin(), True
        return self.conn

    def clock(self) -> ClockState:
        """The simulated clock as the transaction held sees it (one is begun to read it)."""
        conn = self.read()
        if self._clock is None:
            self._clock = self.seen_clock = read_clock(conn)
        return self._clock

    def commit(self) -> None:
        """End the transaction held (if any), keeping what it wrote."""
        self._end(keep=True)

    def rollback(self) -> None:
        """End the transaction held (if any), dropping what it wrote."""
        self._end(keep=False)

    def _end(self, *, keep: bool) -> None:
        conn, writing = self.conn, self.writing
        self.conn, self.writing, self._clock = None, False, None
        if conn is None:
            return
        if not writing:
            conn.end_read()  # a read transaction wrote nothing to keep or drop
        elif keep:
            self.db.commit(conn)
        else:
            self.db.rollback(conn)
