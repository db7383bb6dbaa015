"""A database file kept from before a column was added (``--db``) opens and gets the column;
one kept from before a table changed its key opens with the table rebuilt, its rows kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from spotler_sim.store import Database
from spotler_sim.store.accounts import account_by_name, use_nonce


def old_file(tmp_path: Path, *statements: str) -> str:
    """A database file as an earlier version left it, made by ``statements``."""
    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    for statement in statements:
        old.execute(statement)
    old.commit()
    old.close()
    return path


def test_an_accounts_table_without_licence_gets_it_with_the_default(tmp_path: Path) -> None:
    path = old_file(
        tmp_path,
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
        "id_fields TEXT NOT NULL, dedup_rules TEXT NOT NULL, lag TEXT NOT NULL, "
        "list_shape TEXT NOT NULL DEFAULT 'paged')",
        "INSERT INTO accounts (name, id_fields, dedup_rules, lag) "
        "VALUES ('kept', '[\"externalCustomerId\"]', '[]', '{}')",
    )
    db = Database(path)
    with db.read() as conn:
        account = account_by_name(conn, "kept")
    assert account is not None and account.licence == "eCommerce"
    db.close()
    Database(path).close()  # opening it again adds nothing twice


def test_nonces_keyed_by_key_first_are_keyed_by_time_and_stay_spent(tmp_path: Path) -> None:
    """Earlier versions keyed the nonces by Key, then time, with the time indexed apart."""
    path = old_file(
        tmp_path,
        "CREATE TABLE nonces (key TEXT NOT NULL, timestamp INTEGER NOT NULL, nonce TEXT NOT NULL, "
        "PRIMARY KEY (key, timestamp, nonce)) WITHOUT ROWID",
        "CREATE INDEX nonces_timestamp ON nonces (timestamp)",
        "INSERT INTO nonces VALUES ('k', 1700000000, 'spent')",
    )
    db = Database(path)
    with db.write() as conn:
        assert not use_nonce(conn, "k", 1700000000, "spent", None)  # still refused
        assert use_nonce(conn, "k", 1700000000, "fresh", None)
        keys = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM pragma_table_info('nonces') WHERE pk > 0 ORDER BY pk"
            )
        ]
        indexes = [row[0] for row in conn.execute("SELECT name FROM pragma_index_list('nonces')")]
    assert keys == ["timestamp", "key", "nonce"]
    assert indexes == ["sqlite_autoindex_nonces_1"]  # the primary key, nothing beside it
    db.close()
    Database(path).close()  # opening it again rebuilds nothing
