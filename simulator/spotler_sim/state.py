"""The simulator's state as the HTTP layers and the CLI use it: the store plus the clock.

Everything lives in the SQLite file, so any number of worker processes that open the same path
see the same accounts, contacts, clock and nonces. Fixtures, snapshots and scenarios that fill
it live in ``spotler_sim.fixtures``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from spotler_sim.domain.clock import ClockState
from spotler_sim.domain.model import Account, Caller
from spotler_sim.errors import SpotlerError
from spotler_sim.store import Database
from spotler_sim.store.accounts import account_by_name, caller_for_key
from spotler_sim.store.clock import read_clock, write_clock
from spotler_sim.store.retired import Sweeper, retire, retired_accounts, sweep
from spotler_sim.store.unit import AccountStore


def _wall_ms() -> int:
    return int(time.time() * 1000)


class State:
    def __init__(self, db: Database, wall_ms: Callable[[], int] = _wall_ms) -> None:
        self.db = db
        self.wall_ms = wall_ms
        self.sweeper = Sweeper(db)

    # ---- clock -------------------------------------------------------------------------------
    def clock(self, conn: sqlite3.Connection) -> ClockState:
        return read_clock(conn)

    def now_ms(self, conn: sqlite3.Connection) -> int:
        return read_clock(conn).now_ms(self.wall_ms())

    @contextmanager
    def store(self, account_id: int, *, write: bool) -> Iterator[tuple[AccountStore, int]]:
        """One account's repositories inside one transaction, and the simulated time in it."""
        with self.db.write() if write else self.db.read() as conn:
            yield AccountStore(conn, account_id), self.now_ms(conn)

    @contextmanager
    def named_store(self, name: str, *, write: bool) -> Iterator[tuple[Account, AccountStore, int]]:
        """``store()`` of the account named ``name`` (404 when there is none), with the account."""
        with self.db.write() if write else self.db.read() as conn:
            account = self.account(conn, name)
            yield account, AccountStore(conn, account.id), self.now_ms(conn)

    def set_clock(self, state: ClockState) -> None:
        with self.db.write() as conn:
            write_clock(conn, state)

    def advance_clock(self, seconds: float) -> ClockState:
        with self.db.write() as conn:
            state = read_clock(conn).advanced(seconds, self.wall_ms())
            write_clock(conn, state)
        return state

    # ---- accounts ----------------------------------------------------------------------------
    def caller(self, conn: sqlite3.Connection, key: str) -> Caller | None:
        return caller_for_key(conn, key)

    def account(self, conn: sqlite3.Connection, name: str) -> Account:
        account = account_by_name(conn, name)
        if account is None:
            raise SpotlerError.resource_not_found(
                f"no account named {name!r}: GET /__admin/accounts lists the accounts"
            )
        return account

    def has_accounts(self) -> bool:
        with self.db.read() as conn:
            found = conn.execute("SELECT 1 FROM accounts WHERE retired = 0 LIMIT 1").fetchone()
            return found is not None

    def reset_account(self, name: str) -> None:
        """Empty an account, keeping its settings, keys and property definitions: as quick at a
        million contacts as at ten (see store/retired.py)."""
        with self.db.write() as conn:
            old = self.account(conn, name).id
            retire(conn, old, keep=True)
            done = sweep(conn, old)
        if not done:
            self.sweeper.kick()

    def delete_account(self, name: str) -> None:
        with self.db.write() as conn:
            self.remove_account(conn, self.account(conn, name).id)

    def remove_account(self, conn: sqlite3.Connection, account_id: int) -> None:
        """Delete an account inside the caller's transaction (its rows are swept after)."""
        retire(conn, account_id, keep=False)
        if not sweep(conn, account_id):
            self.sweeper.kick()  # it waits for this transaction's lock, then sees the account

    def sweep_leftovers(self) -> None:
        """Finish sweeping accounts retired before this process started."""
        with self.db.read() as conn:
            pending = retired_accounts(conn)
        if pending:
            self.sweeper.kick()
