"""SQLite repository of one account's temporary lists and their members (implements
``domain.templists.TemporaryListRepo``)."""

from __future__ import annotations

import sqlite3

from spotler_sim.domain.templists import TemporaryList

_COLUMNS = "id, external_id, name, type, created_ms, in_use_by"


class SqliteTemporaryLists:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    @staticmethod
    def _list(row: sqlite3.Row) -> TemporaryList:
        return TemporaryList(
            external_id=row["external_id"],
            name=row["name"],
            type=row["type"],
            created_ms=row["created_ms"],
            in_use_by=row["in_use_by"],
            id=row["id"],
        )

    def load(self, external_id: str) -> TemporaryList | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM temporary_lists WHERE account_id = ? AND external_id = ?",
            (self.account_id, external_id),
        ).fetchone()
        return self._list(row) if row else None

    def name_taken(self, name: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM temporary_lists WHERE account_id = ? AND name = ?",
            (self.account_id, name),
        ).fetchone()
        return row is not None

    def count(self) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM temporary_lists WHERE account_id = ?", (self.account_id,)
        ).fetchone()
        return int(row[0])

    def add(self, temporary_list: TemporaryList) -> None:
        cursor = self.conn.execute(
            "INSERT INTO temporary_lists (account_id, external_id, name, type, created_ms, "
            "in_use_by) VALUES (?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                temporary_list.external_id,
                temporary_list.name,
                temporary_list.type,
                temporary_list.created_ms,
                temporary_list.in_use_by,
            ),
        )
        temporary_list.id = int(cursor.lastrowid or 0)

    def every(self) -> list[TemporaryList]:
        """Every temporary list of the account, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM temporary_lists WHERE account_id = ? ORDER BY id",
            (self.account_id,),
        ).fetchall()
        return [self._list(row) for row in rows]

    def remove(self, list_id: int) -> None:
        """Delete a list; its members go with it (ON DELETE CASCADE)."""
        self.conn.execute(
            "DELETE FROM temporary_lists WHERE id = ? AND account_id = ?",
            (list_id, self.account_id),
        )

    def add_members(self, list_id: int, contact_ids: list[int]) -> int:
        """Make these contacts members; how many were not members before."""
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT OR IGNORE INTO temporary_list_members (list_id, contact_id, account_id) "
            "VALUES (?, ?, ?)",
            [(list_id, c, self.account_id) for c in contact_ids],
        )
        return self.conn.total_changes - before

    def members(self, list_id: int) -> list[int]:
        """The contacts of a list, in the order they were created (for snapshots)."""
        rows = self.conn.execute(
            "SELECT contact_id FROM temporary_list_members WHERE list_id = ? ORDER BY contact_id",
            (list_id,),
        )
        return [int(row[0]) for row in rows]
