"""SQLite repository of one account's orders (implements ``domain.orders.OrderRepo``)."""

from __future__ import annotations

import json
import sqlite3

from spotler_sim.domain.orders import StoredOrder

_COLUMNS = "id, external_id, contact_id, date_ms, value, product_ids, created_ms, changed_ms"


class SqliteOrders:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    @staticmethod
    def _order(row: sqlite3.Row) -> StoredOrder:
        return StoredOrder(
            external_id=row["external_id"],
            contact_id=row["contact_id"],
            date_ms=row["date_ms"],
            value=row["value"],
            product_ids=json.loads(row["product_ids"]),
            created_ms=row["created_ms"],
            changed_ms=row["changed_ms"],
            id=row["id"],
        )

    def load(self, external_id: str) -> StoredOrder | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM orders WHERE account_id = ? AND external_id = ?",
            (self.account_id, external_id),
        ).fetchone()
        return self._order(row) if row else None

    def save(self, order: StoredOrder) -> None:
        """Insert a new order (``id`` 0) or replace the row of an existing one."""
        values = (
            order.external_id,
            order.contact_id,
            order.date_ms,
            order.value,
            json.dumps(order.product_ids),
            order.created_ms,
            order.changed_ms,
        )
        if order.id:
            self.conn.execute(
                "UPDATE orders SET external_id = ?, contact_id = ?, date_ms = ?, value = ?, "
                "product_ids = ?, created_ms = ?, changed_ms = ? WHERE id = ? AND account_id = ?",
                (*values, order.id, self.account_id),
            )
            return
        cursor = self.conn.execute(
            "INSERT INTO orders (external_id, contact_id, date_ms, value, product_ids, "
            "created_ms, changed_ms, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, self.account_id),
        )
        order.id = int(cursor.lastrowid or 0)

    def remove(self, external_id: str) -> bool:
        cursor = self.conn.execute(
            "DELETE FROM orders WHERE account_id = ? AND external_id = ?",
            (self.account_id, external_id),
        )
        return cursor.rowcount > 0

    def every(self) -> list[StoredOrder]:
        """Every order of the account, in the order they were placed (for snapshots)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM orders WHERE account_id = ? ORDER BY date_ms, id",
            (self.account_id,),
        ).fetchall()
        return [self._order(row) for row in rows]
