"""A database file kept from before a column was added (``--db``) opens and gets the column."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from spotler_sim.store import Database
from spotler_sim.store.accounts import account_by_name


def test_an_accounts_table_without_licence_gets_it_with_the_default(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
        "id_fields TEXT NOT NULL, dedup_rules TEXT NOT NULL, lag TEXT NOT NULL, "
        "list_shape TEXT NOT NULL DEFAULT 'paged')"
    )
    old.execute(
        "INSERT INTO accounts (name, id_fields, dedup_rules, lag) "
        "VALUES ('kept', '[\"externalCustomerId\"]', '[]', '{}')"
    )
    old.commit()
    old.close()
    db = Database(path)
    with db.read() as conn:
        account = account_by_name(conn, "kept")
    assert account is not None and account.licence == "eCommerce"
    db.close()
    Database(path).close()  # opening it again adds nothing twice
