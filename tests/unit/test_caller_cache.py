"""Each worker keeps the callers it has read, and sees at once what another worker changed: a
new secret, settings, property definitions, keys added or removed, a reset or a deletion."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.domain.accounts import AuthSpec
from spotler_sim.domain.model import LagPolicy
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store import accounts as store
from spotler_sim.store.database import Connection
from spotler_sim.store.retired import retire
from tests.property.harness import account_document

KEYS = ("w", "c", "n")  # the webshop's, the crm's, and one added later
Change = Callable[[Connection], None]


def _account_id(conn: Connection) -> int | None:
    row = conn.execute("SELECT id FROM accounts WHERE name = 'prop'").fetchone()
    return int(row[0]) if row else None


def rotate(conn: Connection) -> None:
    if (account := _account_id(conn)) is not None:
        store.set_secret(conn, account, "webshop", f"s{conn.total_changes}")


def patch_lag(conn: Connection) -> None:
    if (account := store.account_by_name(conn, "prop")) is not None:
        lag = LagPolicy.from_json({"mode": "fixed", "seconds": conn.total_changes % 7})
        store.update_account(conn, replace(account, lag=lag))


def add_property(conn: Connection) -> None:
    if (account := _account_id(conn)) is not None:
        conn.execute(
            "INSERT OR IGNORE INTO property_defs (account_id, name, description, type, position) "
            "VALUES (?, 'extra', '', 'string', 99)",
            (account,),
        )


def add_key(conn: Connection) -> None:
    if (account := _account_id(conn)) is not None and store.secret_for(conn, "n") is None:
        store.add_authentication(conn, account, AuthSpec("new", "n", "n", "crmCustomerId"))


def remove_key(conn: Connection) -> None:
    if (account := _account_id(conn)) is not None:
        store.remove_authentication(conn, account, "crm")


def reset(conn: Connection) -> None:
    if (account := _account_id(conn)) is not None:
        retire(conn, account, keep=True)


def delete(conn: Connection) -> None:
    if (account := _account_id(conn)) is not None:
        retire(conn, account, keep=False)


CHANGES = [rotate, patch_lag, add_property, add_key, remove_key, reset, delete]


@settings(max_examples=40, deadline=None)
@given(changes=st.lists(st.sampled_from(CHANGES), max_size=8))
def test_a_worker_sees_every_change_another_worker_made(changes: list[Change]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _sees_every_change(Path(folder) / "cache.db", changes)


def _sees_every_change(path: Path, changes: list[Change]) -> None:
    load_fixture(State(Database(str(path))), account_document(shared_field=False))
    mine, other = Database(str(path)), Database(str(path))  # two workers on one file
    with mine.read() as conn:
        for key in KEYS:
            store.caller_for_key(conn, key)  # read once, and kept
    for change in changes:
        with other.write() as conn:
            change(conn)  # type: ignore[arg-type]
        with mine.read() as conn:
            for key in KEYS:
                assert store.caller_for_key(conn, key) == store._read_caller(conn, key), change
    mine.close()
    other.close()


def test_a_kept_caller_costs_one_read_per_snapshot(tmp_path: Path) -> None:
    """The generation label cannot change inside a read transaction: read once there."""
    db = Database(str(tmp_path / "one.db"))
    load_fixture(State(db), account_document(shared_field=False))
    with db.read() as conn:
        store.caller_for_key(conn, "w")
    statements: list[str] = []
    with db.read() as conn:
        conn.set_trace_callback(statements.append)
        assert store.caller_for_key(conn, "w") is not None
        assert store.caller_for_key(conn, "w") is not None
        conn.set_trace_callback(None)
    assert statements == ["SELECT n FROM generation WHERE id = 1"]


def test_a_write_transaction_sees_its_own_change_of_a_caller(tmp_path: Path) -> None:
    """Inside a write transaction the label changes with what it writes: it is read each time."""
    db = Database(str(tmp_path / "one.db"))
    load_fixture(State(db), account_document(shared_field=False))
    with db.write() as conn:
        before = store.caller_for_key(conn, "w")
        rotate(conn)
        after = store.caller_for_key(conn, "w")
    assert before is not None and after is not None
    assert after.auth.secret != before.auth.secret
    assert after == store._read_caller(db.connection(), "w")


def test_unknown_keys_are_not_kept(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "one.db"))
    load_fixture(State(db), account_document(shared_field=False))
    with db.read() as conn:
        for n in range(50):
            assert store.caller_for_key(conn, f"nobody-{n}") is None
        assert isinstance(conn, Connection) and conn.kept.get("callers") == {}


def test_a_database_put_back_from_a_copy_is_read_afresh(tmp_path: Path) -> None:
    """The test kit puts the file back with SQLite's backup API between tests: a counter went
    back with it, then forward to a number this connection had kept another state under."""
    db = Database(str(tmp_path / "one.db"))
    load_fixture(State(db), account_document(shared_field=False))
    copy = sqlite3.connect(":memory:")
    with db.read() as conn:
        conn.backup(copy)
    for lag in (5, 9):
        with db.write() as conn:
            patch_lag_to(conn, lag)
        with db.read() as conn:
            found = store.caller_for_key(conn, "w")
            assert found is not None and found.account.lag.to_json()["seconds"] == lag
        copy.backup(conn)  # put back as it was, as the test kit does between tests
        with db.write() as conn:
            rotate(conn)
        with db.read() as conn:
            assert store.caller_for_key(conn, "w") == store._read_caller(conn, "w")


def patch_lag_to(conn: Connection, seconds: int) -> None:
    account = store.account_by_name(conn, "prop")
    assert account is not None
    lag = LagPolicy.from_json({"mode": "fixed", "seconds": seconds})
    store.update_account(conn, replace(account, lag=lag))
