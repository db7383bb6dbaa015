"""A database file kept from before a column was added (``--db``) opens and gets the column;
one kept from before a table changed its key opens with the table rebuilt, its rows kept."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from spotler_sim.domain.contacts import StoredContact
from spotler_sim.errors import SpotlerError
from spotler_sim.fixtures.seeding import seed_contacts
from spotler_sim.store import Database
from spotler_sim.store.accounts import account_by_name, use_nonce
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.encrypted_ids import encode


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


def sha_id(account_id: int, row: int) -> str:
    """The encryptedId earlier versions made for a contact."""
    return hashlib.sha256(f"spotler-sim:{account_id}:{row}".encode()).hexdigest()[:24]


def test_contacts_of_an_index_of_every_encrypted_id_keep_theirs(tmp_path: Path) -> None:
    """Earlier versions indexed every contact's encryptedId (made as SHA-256 of account and
    row, or given): the index goes, each contact kept is found by its id as given, a new one by
    the one made of its row, and none of the kept ones can be given again."""
    path = old_file(
        tmp_path,
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
        "id_fields TEXT NOT NULL, dedup_rules TEXT NOT NULL, lag TEXT NOT NULL, "
        "list_shape TEXT NOT NULL DEFAULT 'paged')",
        "INSERT INTO accounts (id, name, id_fields, dedup_rules, lag) "
        "VALUES (1, 'kept', '[\"externalCustomerId\"]', '[]', '{}')",
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, "
        "account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, "
        "encrypted_id TEXT NOT NULL, email TEXT, properties TEXT NOT NULL, channels TEXT, "
        "test_group INTEGER NOT NULL DEFAULT 0, anonymized INTEGER NOT NULL DEFAULT 0, "
        "created_ms INTEGER NOT NULL, changed_ms INTEGER NOT NULL, listed_ms INTEGER)",
        "CREATE UNIQUE INDEX contacts_encrypted ON contacts (account_id, encrypted_id)",
        "INSERT INTO contacts (id, account_id, encrypted_id, properties, created_ms, changed_ms) "
        f"VALUES (1, 1, '{sha_id(1, 1)}', '{{}}', 1, 1), (2, 1, '{sha_id(1, 2)}', '{{}}', 1, 1), "
        "(3, 1, 'given-by-a-fixture', '{}', 1, 1)",
    )
    db = Database(path)
    with db.write() as conn:
        indexes = {row[0] for row in conn.execute("SELECT name FROM pragma_index_list('contacts')")}
        assert "contacts_encrypted" not in indexes and "contacts_given_encrypted" in indexes
        repo = SqliteContacts(conn, 1)
        assert [repo.by_encrypted_id(sha_id(1, row)) for row in (1, 2)] == [1, 2]
        assert repo.by_encrypted_id("given-by-a-fixture") == 3
        assert repo.by_encrypted_id(encode(1, 1)) is None  # not what row 1 holds
        fresh = StoredContact.unsaved(5)
        repo.insert(fresh, None)
        assert (fresh.id, fresh.encrypted_id) == (4, encode(1, 4))
        assert repo.by_encrypted_id(fresh.encrypted_id) == 4
        kept = [sha_id(1, 1), "given-by-a-fixture", fresh.encrypted_id, "free"]
        assert repo.taken_encrypted_ids(kept) == set(kept[:3])
        with pytest.raises(SpotlerError, match="an encryptedId is unique in the account"):
            seed_contacts(
                repo,
                account_by_name(conn, "kept") or pytest.fail("the account is gone"),
                [{"ids": {"externalCustomerId": "x"}, "encryptedId": sha_id(1, 2)}],
                5,
            )
    db.close()
    Database(path).close()  # opening it again changes nothing
    with sqlite3.connect(path) as conn:
        given = conn.execute("SELECT id, encrypted_given FROM contacts ORDER BY id").fetchall()
    assert given == [(1, 1), (2, 1), (3, 1), (4, 0)]
