"""Resetting or deleting an account in constant time: its rows are retired, then swept.

A reset moves the account's settings, keys and property definitions to a fresh account row,
and renames the old row (``retired/<id>``, a name no account can have) and marks it retired.
Every lookup goes through the account's name or key, so from that moment the account is empty,
whatever it held. The retired rows are then removed in small transactions: a first part at
once (all of a small account), the rest by a background thread in the worker that retired them,
or in the next worker to start. Deleting a contact deletes its rows in every table by cascade.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from spotler_sim.store.database import Database

log = logging.getLogger("spotler_sim.store.retired")

# Contacts removed per background transaction: small enough that the API's writes wait only
# briefly; and within the call that retires them (all of a small account, a bounded part of a
# large one, so the call stays well under a second at any size).
BATCH = 2_000
IN_CALL = 500
# Every table with rows of an account, children before parents (what the contacts' cascade
# leaves, once they are gone, is removed by these).
ACCOUNT_TABLES = (
    "interactions", "interaction_tallies", "mailings", "trend_reports", "audience_members",
    "audiences", "temporary_list_members", "temporary_lists", "form_results", "form_fields",
    "forms", "automation_entries", "automations", "campaign_subscriptions", "campaign_mailings",
    "campaign_triggers", "campaigns", "conversions", "orders", "product_terms", "products",
    "pending_changes", "bounces", "contact_ids", "rate_calls", "rate_inflight",
)  # fmt: skip
_MOVED = ("authentications", "property_defs", "product_property_defs")


def retire(conn: sqlite3.Connection, account_id: int, *, keep: bool) -> int | None:
    """Retire the account's rows; with ``keep`` its settings and keys move to a fresh, empty
    account row of the same name and place in the list, whose id is returned."""
    (name,) = conn.execute("SELECT name FROM accounts WHERE id = ?", (account_id,)).fetchone()
    conn.execute(
        "UPDATE accounts SET name = 'retired/' || id, retired = 1, position = "
        "coalesce(position, id) WHERE id = ?",
        (account_id,),
    )
    if not keep:
        for table in _MOVED:
            conn.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
        return None
    cursor = conn.execute(
        "INSERT INTO accounts (name, id_fields, dedup_rules, lag, list_shape, licence, position, "
        "rate_limit) SELECT ?, id_fields, dedup_rules, lag, list_shape, licence, position, "
        "rate_limit FROM accounts "
        "WHERE id = ?",
        (name, account_id),
    )
    fresh = int(cursor.lastrowid or 0)
    for table in _MOVED:
        conn.execute(f"UPDATE {table} SET account_id = ? WHERE account_id = ?", (fresh, account_id))
    return fresh


def sweep(conn: sqlite3.Connection, account_id: int, contacts: int = IN_CALL) -> bool:
    """Remove up to ``contacts`` contacts of a retired account (with every row they own); once
    none is left, its other rows and the account row. True when it is gone."""
    removed = conn.execute(
        "DELETE FROM contacts WHERE id IN (SELECT id FROM contacts WHERE account_id = ? LIMIT ?)",
        (account_id, contacts),
    ).rowcount
    if removed == contacts:
        return False
    for table in ACCOUNT_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
    conn.execute("DELETE FROM accounts WHERE id = ? AND retired = 1", (account_id,))
    return True


def retired_accounts(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT id FROM accounts WHERE retired = 1")]


class Sweeper:
    """Removes retired rows in the background, one batch per transaction, in one thread per
    process (started when there is something to sweep).

    ``kick`` may come from inside the transaction that retires an account: the thread looks for
    retired accounts under the write lock, so it sees them once that transaction commits. A kick
    while the thread is running is a wish it takes up before it ends."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._wanted = False

    def kick(self) -> None:
        with self._lock:
            self._wanted = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="retired-sweeper", daemon=True
                )
                self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until no sweep is running; True when none is."""
        while (thread := self._thread) is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        return True

    def _run(self) -> None:
        try:
            while self._take_wish():
                for account_id in self._pending():
                    while not self._batch(account_id):
                        pass
        except sqlite3.Error:  # the file went away (a test's folder): nothing left to sweep
            log.debug("sweeping retired accounts stopped", exc_info=True)
            with self._lock:
                self._thread = None
        finally:
            self.db.close()

    def _take_wish(self) -> bool:
        with self._lock:
            wanted, self._wanted = self._wanted, False
            if not wanted:
                self._thread = None  # a kick from now on starts a new thread
            return wanted

    def _pending(self) -> list[int]:
        while True:
            try:
                with self.db.write() as conn:  # waits for the retiring transaction to commit
                    return retired_accounts(conn)
            except sqlite3.OperationalError as exc:  # a long write (a large import) held it
                if "locked" not in str(exc):
                    raise

    def _batch(self, account_id: int) -> bool:
        try:
            with self.db.write() as conn:
                return sweep(conn, account_id, BATCH)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            return False
