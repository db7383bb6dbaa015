"""SQLite repository of one account's contacts (implements ``domain.contacts.ContactRepo``)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Container, Iterator
from contextlib import contextmanager
from typing import Any

from spotler_sim.domain.contacts import Bounce, StoredContact
from spotler_sim.domain.timewindows import Window
from spotler_sim.store.encrypted_ids import decode, encode, made

_COLUMNS = "id, encrypted_id, created_ms, changed_ms, listed_ms, properties, channels, test_group, anonymized"
_JOINED = ", ".join(f"c.{column.strip()}" for column in _COLUMNS.split(","))


_canonical_json = json.JSONEncoder(sort_keys=True).encode  # json.dumps(..., sort_keys=True)


_INSERT = (
    "INSERT INTO contacts (id, account_id, encrypted_id, email, properties, channels, test_group, "
    "anonymized, created_ms, changed_ms, listed_ms, encrypted_given) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# The contact holding an encryptedId: the row it deciphers to, when that row holds it (a made
# one), or the one holding it as given (index contacts_given_encrypted). ?1 row (NULL when it
# deciphers to none), ?2 account, ?3 the encryptedId.
_BY_ENCRYPTED_ID = (
    "SELECT id FROM contacts WHERE id = ?1 AND account_id = ?2 AND encrypted_id = ?3 "
    "UNION ALL SELECT id FROM contacts WHERE account_id = ?2 AND encrypted_given = 1 "
    "AND encrypted_id = ?3 LIMIT 1"
)


def _encoded(contact: StoredContact) -> tuple[str, str | None]:
    """A contact's properties and channels as their columns hold them."""
    channels = json.dumps(contact.channels) if contact.channels is not None else None
    return _canonical_json(contact.properties), channels


class SqliteContacts:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id
        self._savepoints = 0

    @contextmanager
    def atomic(self) -> Iterator[None]:
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        finally:
            self._savepoints -= 1
        self.conn.execute(f"RELEASE {name}")

    # ---- identity ----------------------------------------------------------------------------
    def by_email(self, email_key: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT id FROM contacts WHERE account_id = ? AND email = ? ORDER BY id",
            (self.account_id, email_key),
        )
        return [row[0] for row in rows]

    def by_external_id(self, field: str, value: str) -> int | None:
        row = self.conn.execute(
            "SELECT contact_id FROM contact_ids WHERE account_id = ? AND field = ? AND value = ?",
            (self.account_id, field, value),
        ).fetchone()
        return int(row[0]) if row else None

    def by_external_ids(self, field: str, values: list[str]) -> dict[str, int]:
        """The contact holding each of these values in ``field``; values no contact has are left
        out (audience and temporary-list calls name up to thousands at once)."""
        wanted = list(dict.fromkeys(values))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):  # below SQLite's limit of bound values
            chunk = wanted[start : start + 500]
            found.update(
                (str(row[0]), int(row[1]))
                for row in self.conn.execute(
                    "SELECT value, contact_id FROM contact_ids WHERE account_id = ? AND field = ? "
                    f"AND value IN ({','.join('?' * len(chunk))})",
                    (self.account_id, field, *chunk),
                )
            )
        return found

    def by_encrypted_id(self, encrypted_id: str) -> int | None:
        row = self.conn.execute(
            _BY_ENCRYPTED_ID, (decode(self.account_id, encrypted_id), self.account_id, encrypted_id)
        ).fetchone()
        return int(row[0]) if row else None

    def encrypted_ids(self, contact_ids: list[int]) -> dict[int, str]:
        """The encryptedId of each of these contacts (for snapshots of orders)."""
        found: dict[int, str] = {}
        wanted = sorted(set(contact_ids))
        for start in range(0, len(wanted), 500):  # below SQLite's limit of bound values
            chunk = wanted[start : start + 500]
            found.update(
                (int(row[0]), str(row[1]))
                for row in self.conn.execute(
                    # "+account_id": look each id up by key, not scan the account's contacts
                    f"SELECT id, encrypted_id FROM contacts WHERE id IN "
                    f"({','.join('?' * len(chunk))}) AND +account_id = ?",
                    (*chunk, self.account_id),
                )
            )
        return found

    def set_external_id(self, contact_id: int, field: str, value: str) -> int | None:
        """Give ``contact_id`` this value in ``field``; return the contact that held it before."""
        previous = self.by_external_id(field, value)
        if previous == contact_id:
            return previous
        # The contact's old value goes (index contact_ids_contact), and the value moves to it
        # from whoever held it (primary key). One delete with "value = ? OR contact_id = ?" read
        # every ID of the account, so each insert cost O(contacts).
        self.conn.execute(
            "DELETE FROM contact_ids WHERE contact_id = ? AND field = ? AND account_id = ?",
            (contact_id, field, self.account_id),
        )
        self.conn.execute(
            "INSERT INTO contact_ids (account_id, field, value, contact_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (account_id, field, value) DO UPDATE SET contact_id = excluded.contact_id",
            (self.account_id, field, value, contact_id),
        )
        return previous

    # ---- rows --------------------------------------------------------------------------------
    def _hydrate(self, rows: list[sqlite3.Row]) -> list[StoredContact]:
        contacts = [
            StoredContact(
                id=row["id"],
                encrypted_id=row["encrypted_id"],
                created_ms=row["created_ms"],
                changed_ms=row["changed_ms"],
                listed_ms=row["listed_ms"],
                properties=json.loads(row["properties"]),
                channels=json.loads(row["channels"]) if row["channels"] else None,
                test_group=bool(row["test_group"]),
                anonymized=bool(row["anonymized"]),
            )
            for row in rows
        ]
        if contacts:
            by_id = {c.id: c for c in contacts}
            marks = ",".join("?" * len(by_id))
            for cid, field, value in self.conn.execute(
                f"SELECT contact_id, field, value FROM contact_ids WHERE contact_id IN ({marks})",
                tuple(by_id),
            ):
                by_id[cid].ids[field] = value
        return contacts

    def load_by_external_id(self, field: str, value: str) -> StoredContact | None:
        """The contact holding ``value`` in ``field``, read with it (one statement: the lookup
        and the read of the row were two)."""
        rows = self.conn.execute(
            f"SELECT {_JOINED} FROM contact_ids AS i JOIN contacts AS c ON c.id = i.contact_id "
            "WHERE i.account_id = ? AND i.field = ? AND i.value = ? AND c.account_id = ?",
            (self.account_id, field, value, self.account_id),
        ).fetchall()
        found = self._hydrate(rows)
        return found[0] if found else None

    def load(self, contact_id: int) -> StoredContact | None:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE id = ? AND account_id = ?",
            (contact_id, self.account_id),
        ).fetchall()
        found = self._hydrate(rows)
        return found[0] if found else None

    def insert(self, contact: StoredContact, email_key: str | None) -> None:
        """Write a new contact whole, giving it its id and encryptedId (one INSERT: inserting
        an empty row and updating it put each contact into the indexes twice)."""
        contact.id = self.first_free_id()
        contact.encrypted_id = self.free_encrypted_id(contact.id)
        self.conn.execute(_INSERT, self._row(contact, email_key))

    def free_encrypted_id(self, row: int, also_taken: Container[str] = ()) -> str:
        """The first encryptedId ``made()`` for a new row that no contact of the account holds,
        nor ``also_taken`` (what a load has given before writing it). The first one only a given
        one can be: no row holds it as made, its row is new."""
        candidates = made(self.account_id, row)
        first = next(candidates)
        if first not in also_taken and not self._given([first]):
            return first
        return next(
            value
            for value in candidates
            if value not in also_taken and not self.taken_encrypted_ids([value])
        )

    def first_free_id(self) -> int:
        """The id SQLite would give the next contact: one past the largest of any account."""
        (last,) = self.conn.execute("SELECT coalesce(max(id), 0) FROM contacts").fetchone()
        return int(last) + 1  # read from the end of the table (plan: SEARCH contacts)

    def is_empty(self) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM contacts WHERE account_id = ? LIMIT 1", (self.account_id,)
        ).fetchone()
        return found is None

    def taken_encrypted_ids(self, values: list[str]) -> set[str]:
        """Those of these encryptedIds a contact of the account has already: made of its row
        (read by key), or given (index contacts_given_encrypted)."""
        rows = {row: value for value in values if (row := decode(self.account_id, value))}
        held = self.encrypted_ids(list(rows))
        return {value for row, value in rows.items() if held.get(row) == value} | self._given(
            values
        )

    def _given(self, values: list[str]) -> set[str]:
        """Those of these encryptedIds a contact of the account holds as given."""
        given: set[str] = set()
        for start in range(0, len(values), 500):  # below SQLite's limit of bound values
            chunk = values[start : start + 500]
            given.update(
                str(row[0])
                for row in self.conn.execute(
                    "SELECT encrypted_id FROM contacts WHERE account_id = ? AND encrypted_given = 1 "
                    f"AND encrypted_id IN ({','.join('?' * len(chunk))})",
                    (self.account_id, *chunk),
                )
            )
        return given

    def _is_given(self, contact: StoredContact) -> int:
        """1 when the contact's encryptedId is not the one made of its row (the column)."""
        return int(contact.encrypted_id != encode(self.account_id, contact.id))

    def insert_all(self, contacts: list[tuple[StoredContact, str | None]]) -> None:
        """Write new contacts whole, each with its id, ID values and e-mail key (a fixture's or a
        seed's, every one checked already): one statement per table for all of them."""
        self.conn.executemany(_INSERT, [self._row(c, email_key) for c, email_key in contacts])
        self.conn.executemany(
            "INSERT INTO contact_ids (account_id, field, value, contact_id) VALUES (?, ?, ?, ?)",
            [
                (self.account_id, field, value, contact.id)
                for contact, _ in contacts
                for field, value in contact.ids.items()
            ],
        )

    def _row(self, contact: StoredContact, email_key: str | None) -> tuple[Any, ...]:
        return (
            contact.id,
            self.account_id,
            contact.encrypted_id,
            email_key,
            *_encoded(contact),
            int(contact.test_group),
            int(contact.anonymized),
            contact.created_ms,
            contact.changed_ms,
            contact.listed_ms,
            self._is_given(contact),
        )

    def every(self) -> list[StoredContact]:
        """Every contact of the account, oldest first (for snapshots)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE account_id = ? ORDER BY id", (self.account_id,)
        ).fetchall()
        return self._hydrate(rows)

    def recent(self, limit: int) -> list[StoredContact]:
        """The ``limit`` contacts changed last, newest first (for the dashboard)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE account_id = ? "
            "ORDER BY changed_ms DESC, id DESC LIMIT ?",
            (self.account_id, limit),
        ).fetchall()
        return self._hydrate(rows)

    def restore(self, contact: StoredContact) -> None:
        """Put back the identity and times a snapshot kept (an encryptedId another contact of
        the account holds is refused as the index of given ones refuses it)."""
        if self.by_encrypted_id(contact.encrypted_id) not in (None, contact.id):
            raise sqlite3.IntegrityError(f"encryptedId {contact.encrypted_id!r} is taken")
        self.conn.execute(
            "UPDATE contacts SET encrypted_id = ?, encrypted_given = ?, created_ms = ?, "
            "changed_ms = ?, listed_ms = ? WHERE id = ? AND account_id = ?",
            (
                contact.encrypted_id,
                self._is_given(contact),
                contact.created_ms,
                contact.changed_ms,
                contact.listed_ms,
                contact.id,
                self.account_id,
            ),
        )

    def every_bounce(self) -> list[Bounce]:
        rows = self.conn.execute(
            "SELECT contact_id, type, mailing, date_ms FROM bounces WHERE account_id = ? "
            "ORDER BY date_ms, id",
            (self.account_id,),
        ).fetchall()
        return self._bounces(rows)

    def save(self, contact: StoredContact, email_key: str | None) -> None:
        self.conn.execute(
            "UPDATE contacts SET email = ?, properties = ?, channels = ?, test_group = ?, "
            "anonymized = ? WHERE id = ? AND account_id = ?",
            (
                email_key,
                *_encoded(contact),
                int(contact.test_group),
                int(contact.anonymized),
                contact.id,
                self.account_id,
            ),
        )

    # ---- change log and visibility -----------------------------------------------------------
    def record_change(self, contact_id: int, changed_ms: int, visible_ms: int) -> None:
        if visible_ms <= changed_ms:  # seen at once: one update for both times
            self.conn.execute(
                "UPDATE contacts SET changed_ms = max(changed_ms, ?), "
                "listed_ms = max(coalesce(listed_ms, ?), ?) WHERE id = ?",
                (changed_ms, changed_ms, changed_ms, contact_id),
            )
        else:
            self.conn.execute(
                "UPDATE contacts SET changed_ms = max(changed_ms, ?) WHERE id = ?",
                (changed_ms, contact_id),
            )
            self.conn.execute(
                "INSERT INTO pending_changes (account_id, contact_id, changed_ms, visible_ms) "
                "VALUES (?, ?, ?, ?)",
                (self.account_id, contact_id, changed_ms, visible_ms),
            )

    def _list(self, contact_id: int, changed_ms: int) -> None:
        self.conn.execute(
            "UPDATE contacts SET listed_ms = max(coalesce(listed_ms, ?), ?) WHERE id = ?",
            (changed_ms, changed_ms, contact_id),
        )

    def promote_visible(self, now_ms: int) -> None:
        """Let the updates list see every pending change whose time has come."""
        due = self.conn.execute(
            "SELECT id, contact_id, changed_ms FROM pending_changes "
            "WHERE account_id = ? AND visible_ms <= ? ORDER BY visible_ms, id",
            (self.account_id, now_ms),
        ).fetchall()
        for row in due:
            self._list(row["contact_id"], row["changed_ms"])
        if due:
            self.conn.executemany(
                "DELETE FROM pending_changes WHERE id = ?", [(r["id"],) for r in due]
            )

    def changed_between(self, window: Window, offset: int, limit: int) -> list[StoredContact]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE account_id = ? AND listed_ms BETWEEN ? AND ? "
            "ORDER BY listed_ms, id LIMIT ? OFFSET ?",
            (self.account_id, window.from_ms, window.to_ms, limit, offset),
        ).fetchall()
        return self._hydrate(rows)

    def with_property(self, name: str, value: Any, offset: int, limit: int) -> list[StoredContact]:
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM contacts WHERE account_id = ? "
            "AND json_extract(properties, '$.' || json_quote(?)) = ? ORDER BY id LIMIT ? OFFSET ?",
            (self.account_id, name, value, limit, offset),
        ).fetchall()
        return self._hydrate(rows)

    # ---- bounces -----------------------------------------------------------------------------
    def add_bounce(
        self, contact_id: int, kind: str, date_ms: int, visible_ms: int, mailing: str | None
    ) -> None:
        self.conn.execute(
            "INSERT INTO bounces (account_id, contact_id, type, mailing, date_ms, visible_ms) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self.account_id, contact_id, kind, mailing, date_ms, visible_ms),
        )

    def bounces_between(self, window: Window, now_ms: int, offset: int, limit: int) -> list[Bounce]:
        rows = self.conn.execute(
            "SELECT contact_id, type, mailing, date_ms FROM bounces WHERE account_id = ? "
            "AND date_ms BETWEEN ? AND ? AND visible_ms <= ? ORDER BY date_ms, id LIMIT ? OFFSET ?",
            (self.account_id, window.from_ms, window.to_ms, now_ms, limit, offset),
        ).fetchall()
        return self._bounces(rows)

    def _bounces(self, rows: list[sqlite3.Row]) -> list[Bounce]:
        out = []
        for row in rows:
            contact = self.load(row["contact_id"])
            if contact is not None:
                out.append(Bounce(row["type"], row["date_ms"], row["mailing"], contact))
        return out
