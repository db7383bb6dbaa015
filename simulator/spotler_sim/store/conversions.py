"""SQLite repository of one account's conversions (implements ``domain.conversions.ConversionRepo``)."""

from __future__ import annotations

import json
import sqlite3

from spotler_sim.domain.conversions import StoredConversion

_COLUMNS = "id, mailplus_id, type, date_ms, value, product_ids, contact_id, mailing, created_ms"


class SqliteConversions:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    @staticmethod
    def _conversion(row: sqlite3.Row) -> StoredConversion:
        return StoredConversion(
            mailplus_id=row["mailplus_id"],
            type=row["type"],
            date_ms=row["date_ms"],
            value=row["value"],
            product_ids=json.loads(row["product_ids"]),
            created_ms=row["created_ms"],
            contact_id=row["contact_id"],
            mailing=row["mailing"],
            id=row["id"],
        )

    def add(self, conversion: StoredConversion) -> None:
        cursor = self.conn.execute(
            "INSERT INTO conversions (account_id, mailplus_id, type, date_ms, value, product_ids, "
            "contact_id, mailing, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                conversion.mailplus_id,
                conversion.type,
                conversion.date_ms,
                conversion.value,
                json.dumps(conversion.product_ids),
                conversion.contact_id,
                conversion.mailing,
                conversion.created_ms,
            ),
        )
        conversion.id = int(cursor.lastrowid or 0)

    def has_mailing(self, encrypted_id: str) -> bool:
        """Whether the account has this mailing (regular or of a campaign)."""
        row = self.conn.execute(
            "SELECT 1 FROM mailings WHERE account_id = ? AND encrypted_id = ?",
            (self.account_id, encrypted_id),
        ).fetchone()
        return row is not None

    def every(self) -> list[StoredConversion]:
        """Every conversion of the account, oldest first (for snapshots)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM conversions WHERE account_id = ? ORDER BY date_ms, id",
            (self.account_id,),
        ).fetchall()
        return [self._conversion(row) for row in rows]
