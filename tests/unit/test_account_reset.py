"""Resetting or deleting an account costs the same at any size: its rows are retired at once
and swept in small transactions afterwards, and nothing of it is seen meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from spotler_sim.app import create_app
from spotler_sim.config import Config
from spotler_sim.domain import contacts
from spotler_sim.errors import SpotlerError
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.accounts import all_accounts, caller_for_key
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.retired import retire, retired_accounts
from tests.property.harness import VmSteps, account_document, bulk_contacts

SECOND = {**account_document(shared_field=False)["accounts"][0], "name": "second"}
SECOND["authentications"] = [{"label": "s", "key": "s", "secret": "s", "idField": "crmCustomerId"}]


def filled(path: Path, count: int) -> State:
    """Accounts "prop" (with ``count`` contacts, each with an ID and a pending change) and
    "second" (one contact)."""
    state = State(Database(str(path)))
    document = account_document(shared_field=False)
    document["accounts"].append({**SECOND, "contacts": [{"ids": {"crmCustomerId": "x"}}]})
    load_fixture(state, document)
    with state.db.write() as conn:
        bulk_contacts(conn, 1, range(100, count + 100))
        conn.executemany(
            "INSERT INTO pending_changes (account_id, contact_id, changed_ms, visible_ms) "
            "VALUES (1, ?, 1, 2)",
            ((n,) for n in range(100, count + 100)),
        )
    return state


def reset_steps(state: State) -> int:
    """SQLite VM instructions the reset runs in the caller's thread (its own connection)."""
    with state.db.read() as conn:
        pass  # this thread's connection, which the reset uses too
    with VmSteps(conn) as steps:
        state.reset_account("prop")
    return steps.count


def rows_of(state: State, account_id: int) -> int:
    with state.db.read() as conn:
        return sum(
            conn.execute(
                f"SELECT count(*) FROM {table} WHERE account_id = ?", (account_id,)
            ).fetchone()[0]
            for table in ("contacts", "contact_ids", "pending_changes")
        )


def test_a_reset_costs_the_same_at_any_size(tmp_path: Path) -> None:
    """It was a delete of every row (40 s at a million contacts)."""
    small = filled(tmp_path / "small.db", 3_000)
    large = filled(tmp_path / "large.db", 30_000)
    assert reset_steps(large) <= reset_steps(small) * 1.2
    for state in (small, large):
        assert state.sweeper.join(timeout=60)
        assert rows_of(state, 1) == 0


def test_a_reset_account_is_empty_at_once_and_keeps_its_settings_keys_and_place(
    tmp_path: Path,
) -> None:
    state = filled(tmp_path / "s.db", 5_000)
    with state.db.read() as conn:
        before = [(a.name, a.id_fields, a.properties, a.lag) for a in all_accounts(conn)]
    state.reset_account("prop")
    with state.db.write() as conn:
        caller = caller_for_key(conn, "w")
        assert caller is not None and caller.account.id != 1
        assert [(a.name, a.id_fields, a.properties, a.lag) for a in all_accounts(conn)] == before
        repo = SqliteContacts(conn, caller.account.id)
        assert repo.by_external_id("externalCustomerId", "150") is None
        incoming = {"externalId": "150", "properties": {"email": "c150@x.nl"}}
        contacts.upsert(repo, caller, incoming, update=False, purge=False, now_ms=5)
    assert state.sweeper.join(timeout=60)
    with state.db.read() as conn:
        assert retired_accounts(conn) == []
    assert rows_of(state, 1) == 0
    assert rows_of(state, 2) == 2  # the other account keeps its contact


def test_a_deleted_account_is_gone_at_once_and_swept_after(tmp_path: Path) -> None:
    state = filled(tmp_path / "s.db", 5_000)
    state.delete_account("prop")
    with state.db.read() as conn:
        assert [a.name for a in all_accounts(conn)] == ["second"]
        assert caller_for_key(conn, "w") is None
    assert state.sweeper.join(timeout=60)
    assert rows_of(state, 1) == 0
    with state.db.read() as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 1


def test_a_small_account_is_swept_within_the_reset(tmp_path: Path) -> None:
    state = filled(tmp_path / "s.db", 10)
    state.reset_account("prop")
    assert rows_of(state, 1) == 0
    with state.db.read() as conn:
        assert retired_accounts(conn) == []


def test_a_sweep_cut_short_is_finished_by_the_next_server(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    state = filled(path, 5_000)
    with state.db.write() as conn:  # retired, and the process ended before any sweep
        retire(conn, 1, keep=True)
    state.db.close()
    fresh = State(Database(str(path)))
    create_app(Config(db_path=str(path)), fresh)
    assert fresh.sweeper.join(timeout=60)
    assert rows_of(fresh, 1) == 0


def test_an_unknown_account_is_not_found(tmp_path: Path) -> None:
    state = filled(tmp_path / "s.db", 1)
    with pytest.raises(SpotlerError, match="no account named 'nobody'"):
        state.reset_account("nobody")
