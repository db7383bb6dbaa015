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
from contextlib import ExitStack

from spotler_sim.domain.clock import ClockState
from spotler_sim.store.clock import read_clock
from spotler_sim.store.database import Database


class _RolledBack(Exception):
    """Handed to the held transaction's context so that it rolls back instead of committing."""


class HeldTransaction:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: sqlite3.Connection | None = None
        self.writing = False
        self.seen_clock: ClockState | None = None  # the last clock read, kept after the end
        self._clock: ClockState | None = None  # the clock of the transaction held now
        self._stack: ExitStack | None = None

    def read(self) -> sqlite3.Connection:
        """The transaction held (read or write), or a new read transaction."""
        if self.conn is None:
            stack = ExitStack()
            self.conn = stack.enter_context(self.db.read())
            self._stack = stack
        return self.conn

    def write(self) -> sqlite3.Connection:
        """The write transaction held, or a new one (a read transaction held ends first)."""
        if self.conn is None or not self.writing:
            self.commit()
            stack = ExitStack()
            self.conn = stack.enter_context(self.db.write())
            self._stack, self.writing = stack, True
        return self.conn

    def clock(self) -> ClockState:
        """The simulated clock as the transaction held sees it (one is begun to read it)."""
        conn = self.read()
        if self._clock is None:
            self._clock = self.seen_clock = read_clock(conn)
        return self._clock

    def commit(self) -> None:
        """End the transaction held (if any), keeping what it wrote."""
        stack = self._let_go()
        if stack is not None:
            stack.close()

    def rollback(self) -> None:
        """End the transaction held (if any), dropping what it wrote."""
        stack = self._let_go()
        if stack is not None:
            stack.__exit__(_RolledBack, _RolledBack(), None)

    def _let_go(self) -> ExitStack | None:
        stack = self._stack
        self._stack, self.conn, self.writing, self._clock = None, None, False, None
        return stack
