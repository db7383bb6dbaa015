"""A small in-memory simulator account for property tests, driven through the domain layer."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from spotler_sim.domain import contacts
from spotler_sim.domain.model import Caller
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.accounts import caller_for_key
from spotler_sim.store.contacts import SqliteContacts


def bulk_contacts(conn: sqlite3.Connection, account_id: int, numbers: Iterable[int]) -> None:
    """Contacts ``<n>`` straight into the tables (fast, for size tests): e-mail ``c<n>@x.nl``
    and ``externalCustomerId`` ``<n>``."""
    numbers = list(numbers)
    conn.executemany(
        "INSERT INTO contacts (id, account_id, encrypted_id, email, properties, created_ms, "
        "changed_ms, listed_ms) VALUES (?, ?, ?, ?, '{}', 1, 1, 1)",
        ((n, account_id, f"e{n}", f"c{n}@x.nl") for n in numbers),
    )
    conn.executemany(
        "INSERT INTO contact_ids (account_id, field, value, contact_id) "
        "VALUES (?, 'externalCustomerId', ?, ?)",
        ((account_id, str(n), n) for n in numbers),
    )


class VmSteps:
    """Counts the SQLite VM instructions a connection runs: the rows a statement visits show up
    here, whatever the plan's wording (an index prefix that reads a whole account also "uses an
    index"). Use as ``with VmSteps(conn) as steps: ...; steps.count``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.count = 0

    def _step(self) -> int:
        self.count += 1
        return 0

    def __enter__(self) -> VmSteps:
        self.conn.set_progress_handler(self._step, 1)
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.set_progress_handler(None, 1)


def account_document(*, shared_field: bool, lag_seconds: float = 0) -> dict[str, Any]:
    crm_field = "externalCustomerId" if shared_field else "crmCustomerId"
    return {
        "accounts": [
            {
                "name": "prop",
                "idFields": sorted({"externalCustomerId", crm_field}),
                "dedupRules": [["email"], ["externalId"]],
                "visibilityLag": {"mode": "fixed", "seconds": lag_seconds},
                "authentications": [
                    {
                        "label": "webshop",
                        "key": "w",
                        "secret": "w",
                        "idField": "externalCustomerId",
                    },
                    {"label": "crm", "key": "c", "secret": "c", "idField": crm_field},
                ],
                "properties": [{"name": "email", "type": "email"}, {"name": "n", "type": "int"}],
            }
        ]
    }


class Harness:
    def __init__(self, document: dict[str, Any]) -> None:
        self.state = State(Database(":memory:"))
        load_fixture(self.state, document)

    @contextmanager
    def session(self, key: str) -> Iterator[tuple[SqliteContacts, Caller]]:
        with self.state.db.write() as conn:
            caller = caller_for_key(conn, key)
            assert caller is not None
            yield SqliteContacts(conn, caller.account.id), caller

    def upsert(self, key: str, external_id: str, now_ms: int, **properties: Any) -> None:
        with self.session(key) as (repo, caller):
            incoming = {"externalId": external_id, "properties": properties}
            contacts.upsert(repo, caller, incoming, update=True, purge=False, now_ms=now_ms)

    def id_map(self, field: str) -> dict[str, int]:
        with self.state.db.read() as conn:
            rows = conn.execute(
                "SELECT value, contact_id FROM contact_ids WHERE field = ?", (field,)
            )
            return {value: contact_id for value, contact_id in rows}
