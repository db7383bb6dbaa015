"""SQLite repository of one account's audiences and their members (implements
``domain.audiences.AudienceRepo``)."""

from __future__ import annotations

import sqlite3

from spotler_sim.domain.audiences import StoredAudience

_COLUMNS = (
    "id, external_id, name, description, created_ms, changed_ms, added_ms, removed_ms, "
    "synced_ms, in_use_by"
)
_CHUNK = 500  # bound values per statement, below SQLite's limit


class SqliteAudiences:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    @staticmethod
    def _audience(row: sqlite3.Row) -> StoredAudience:
        return StoredAudience(
            external_id=row["external_id"],
            name=row["name"],
            description=row["description"],
            created_ms=row["created_ms"],
            changed_ms=row["changed_ms"],
            last_added_ms=row["added_ms"],
            last_removed_ms=row["removed_ms"],
            last_sync_ms=row["synced_ms"],
            in_use_by=row["in_use_by"],
            id=row["id"],
        )

    def load(self, external_id: str) -> StoredAudience | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM audiences WHERE account_id = ? AND external_id = ?",
            (self.account_id, external_id),
        ).fetchone()
        return self._audience(row) if row else None

    def name_taken(self, name: str, except_id: int = 0) -> bool:
        row = self.conn.execute(
            "SELECT id FROM audiences WHERE account_id = ? AND name = ?",
            (self.account_id, name),
        ).fetchone()
        return row is not None and row[0] != except_id

    def count(self) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM audiences WHERE account_id = ?", (self.account_id,)
        ).fetchone()
        return int(row[0])

    def save(self, audience: StoredAudience) -> None:
        """Insert a new audience (``id`` 0) or replace the row of an existing one."""
        values = (
            audience.external_id,
            audience.name,
            audience.description,
            audience.created_ms,
            audience.changed_ms,
            audience.last_added_ms,
            audience.last_removed_ms,
            audience.last_sync_ms,
            audience.in_use_by,
        )
        if audience.id:
            self.conn.execute(
                "UPDATE audiences SET external_id = ?, name = ?, description = ?, "
                "created_ms = ?, changed_ms = ?, added_ms = ?, removed_ms = ?, synced_ms = ?, "
                "in_use_by = ? WHERE id = ? AND account_id = ?",
                (*values, audience.id, self.account_id),
            )
            return
        cursor = self.conn.execute(
            "INSERT INTO audiences (external_id, name, description, created_ms, changed_ms, "
            "added_ms, removed_ms, synced_ms, in_use_by, account_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, self.account_id),
        )
        audience.id = int(cursor.lastrowid or 0)

    def remove(self, audience_id: int) -> None:
        """Delete an audience; its members go with it (ON DELETE CASCADE)."""
        self.conn.execute(
            "DELETE FROM audiences WHERE id = ? AND account_id = ?", (audience_id, self.account_id)
        )

    def add_members(self, audience_id: int, contact_ids: list[int]) -> int:
        """Make these contacts members; how many were not members before."""
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT OR IGNORE INTO audience_members (audience_id, contact_id, account_id) "
            "VALUES (?, ?, ?)",
            [(audience_id, c, self.account_id) for c in contact_ids],
        )
        return self.conn.total_changes - before

    def remove_members(self, audience_id: int, contact_ids: list[int] | None) -> int:
        """These contacts (every member when None) stop being members; how many were."""
        if contact_ids is None:
            return self.conn.execute(
                "DELETE FROM audience_members WHERE audience_id = ?", (audience_id,)
            ).rowcount
        removed = 0
        for start in range(0, len(contact_ids), _CHUNK):
            chunk = contact_ids[start : start + _CHUNK]
            removed += self.conn.execute(
                "DELETE FROM audience_members WHERE audience_id = ? "
                f"AND contact_id IN ({','.join('?' * len(chunk))})",
                (audience_id, *chunk),
            ).rowcount
        return removed

    def members(self, audience_id: int) -> list[int]:
        """The contacts of an audience, in the order they were created (for snapshots)."""
        rows = self.conn.execute(
            "SELECT contact_id FROM audience_members WHERE audience_id = ? ORDER BY contact_id",
            (audience_id,),
        )
        return [int(row[0]) for row in rows]

    def every(self) -> list[StoredAudience]:
        """Every audience of the account, oldest first (for snapshots)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM audiences WHERE account_id = ? ORDER BY id",
            (self.account_id,),
        ).fetchall()
        return [self._audience(row) for row in rows]
