"""SQLite repository of one account's products (implements ``domain.products.ProductRepo``).

Each product is one row with its canonical fields as JSON; its searchable values are kept in
``product_terms`` so that a search is an index lookup, not a scan of the catalogue.
"""

from __future__ import annotations

import json
import sqlite3

from spotler_sim.domain.products import StoredProduct, Term

_COLUMNS = "id, external_id, fields, created_ms, changed_ms"


class SqliteProducts:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    @staticmethod
    def _product(row: sqlite3.Row) -> StoredProduct:
        return StoredProduct(
            external_id=row["external_id"],
            fields=json.loads(row["fields"]),
            created_ms=row["created_ms"],
            changed_ms=row["changed_ms"],
            id=row["id"],
        )

    def load(self, external_id: str) -> StoredProduct | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM products WHERE account_id = ? AND external_id = ?",
            (self.account_id, external_id),
        ).fetchone()
        return self._product(row) if row else None

    def save(self, product: StoredProduct, terms: list[Term]) -> None:
        """Insert a new product (``id`` 0) or replace the row and search terms of one."""
        fields = json.dumps(product.fields, sort_keys=True)
        if product.id:
            self.conn.execute(
                "UPDATE products SET external_id = ?, fields = ?, created_ms = ?, changed_ms = ? "
                "WHERE id = ? AND account_id = ?",
                (
                    product.external_id,
                    fields,
                    product.created_ms,
                    product.changed_ms,
                    product.id,
                    self.account_id,
                ),
            )
            self.conn.execute("DELETE FROM product_terms WHERE product_id = ?", (product.id,))
        else:
            cursor = self.conn.execute(
                "INSERT INTO products (account_id, external_id, fields, created_ms, changed_ms) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    self.account_id,
                    product.external_id,
                    fields,
                    product.created_ms,
                    product.changed_ms,
                ),
            )
            product.id = int(cursor.lastrowid or 0)
        self.conn.executemany(
            "INSERT OR IGNORE INTO product_terms (account_id, field, value, product_id) "
            "VALUES (?, ?, ?, ?)",
            [(self.account_id, t.field, t.value, product.id) for t in terms],
        )

    def remove(self, external_id: str) -> bool:
        cursor = self.conn.execute(
            "DELETE FROM products WHERE account_id = ? AND external_id = ?",
            (self.account_id, external_id),
        )
        return cursor.rowcount > 0

    def matching(self, term: Term, offset: int, limit: int) -> list[StoredProduct]:
        rows = self.conn.execute(
            f"SELECT {', '.join('p.' + c.strip() for c in _COLUMNS.split(','))} "
            "FROM product_terms t JOIN products p ON p.id = t.product_id "
            "WHERE t.account_id = ? AND t.field = ? AND t.value = ? "
            "ORDER BY t.product_id LIMIT ? OFFSET ?",
            (self.account_id, term.field, term.value, limit, offset),
        ).fetchall()
        return [self._product(row) for row in rows]

    def missing(self, external_ids: list[str]) -> list[str]:
        """The ids of the list that no product of the account has, in the order given."""
        wanted = list(dict.fromkeys(external_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # below SQLite's limit of bound values
            chunk = wanted[start : start + 500]
            found.update(
                row[0]
                for row in self.conn.execute(
                    "SELECT external_id FROM products WHERE account_id = ? "
                    f"AND external_id IN ({','.join('?' * len(chunk))})",
                    (self.account_id, *chunk),
                )
            )
        return [i for i in wanted if i not in found]

    def every(self) -> list[StoredProduct]:
        """Every product of the account, oldest first (for snapshots)."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM products WHERE account_id = ? ORDER BY id",
            (self.account_id,),
        ).fetchall()
        return [self._product(row) for row in rows]
