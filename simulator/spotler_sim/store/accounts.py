"""SQLite rows of accounts, their authentications and property definitions."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from spotler_sim.domain.accounts import AccountSpec, AuthSpec
from spotler_sim.domain.model import Account, Authentication, Caller, LagPolicy, PropertyDef
from spotler_sim.domain.ratelimit import RateLimit
from spotler_sim.store.database import kept


def insert_account(conn: sqlite3.Connection, spec: AccountSpec) -> int:
    cursor = conn.execute(
        "INSERT INTO accounts (name, id_fields, dedup_rules, lag, list_shape, licence, rate_limit) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            spec.name,
            json.dumps(list(spec.id_fields)),
            json.dumps([list(r) for r in spec.dedup_rules]),
            json.dumps(spec.lag.to_json()),
            spec.list_shape,
            spec.licence,
            _rate_limit(spec.rate_limit),
        ),
    )
    account_id = int(cursor.lastrowid or 0)
    conn.executemany(
        "INSERT INTO authentications (key, secret, account_id, label, id_field) VALUES (?, ?, ?, ?, ?)",
        [(a.key, a.secret, account_id, a.label, a.id_field) for a in spec.authentications],
    )
    conn.executemany(
        "INSERT INTO property_defs (account_id, name, description, type, entries, position) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (account_id, p.name, p.description, p.type, json.dumps(list(p.entries)), i)
            for i, p in enumerate(spec.properties)
        ],
    )
    conn.executemany(
        "INSERT INTO product_property_defs (account_id, name, position) VALUES (?, ?, ?)",
        [(account_id, name, i) for i, name in enumerate(spec.product_properties)],
    )
    return account_id


def _account(conn: sqlite3.Connection, row: sqlite3.Row) -> Account:
    props = conn.execute(
        "SELECT name, description, type, entries FROM property_defs WHERE account_id = ? "
        "ORDER BY position",
        (row["id"],),
    ).fetchall()
    product_props = conn.execute(
        "SELECT name FROM product_property_defs WHERE account_id = ? ORDER BY position",
        (row["id"],),
    ).fetchall()
    return Account(
        id=row["id"],
        name=row["name"],
        id_fields=tuple(json.loads(row["id_fields"])),
        dedup_rules=tuple(tuple(r) for r in json.loads(row["dedup_rules"])),
        lag=LagPolicy.from_json(json.loads(row["lag"])),
        list_shape=row["list_shape"],
        properties=tuple(
            PropertyDef(
                p["name"], p["type"], p["description"], tuple(json.loads(p["entries"] or "[]"))
            )
            for p in props
        ),
        product_properties=tuple(p["name"] for p in product_props),
        licence=row["licence"],
        rate_limit=RateLimit.from_json(json.loads(row["rate_limit"] or "null")),
    )


def account_by_name(conn: sqlite3.Connection, name: str) -> Account | None:
    row = conn.execute("SELECT * FROM accounts WHERE name = ? AND retired = 0", (name,)).fetchone()
    return _account(conn, row) if row else None


def authentications(conn: sqlite3.Connection, account: Account) -> list[Authentication]:
    rows = conn.execute(
        "SELECT key, secret, label, id_field FROM authentications WHERE account_id = ? ORDER BY rowid",
        (account.id,),
    )
    return [
        Authentication(r["key"], r["secret"], r["label"], r["id_field"], account.name) for r in rows
    ]


def caller_for_key(conn: sqlite3.Connection, key: str) -> Caller | None:
    """The account and authentication of a Key. A connection of ours keeps what it read until
    any account, key or property definition changes (in any worker): then one read of the
    generation label, instead of three queries, answers the usual call."""
    callers: dict[str, Caller] = kept(conn, "callers", lambda _: {})
    found = callers.get(key)
    if found is None:
        found = _read_caller(conn, key)
        if found is not None:  # an unknown Key is not kept: anyone may send any number of them
            callers[key] = found
    return found


def _read_caller(conn: sqlite3.Connection, key: str) -> Caller | None:
    row = conn.execute(
        "SELECT a.*, au.key, au.secret, au.label, au.id_field AS auth_field "
        "FROM authentications au JOIN accounts a ON a.id = au.account_id WHERE au.key = ?",
        (key,),
    ).fetchone()
    if row is None:
        return None
    account = _account(conn, row)
    auth = Authentication(row["key"], row["secret"], row["label"], row["auth_field"], account.name)
    return Caller(account, auth)


def secret_for(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT secret FROM authentications WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def all_accounts(conn: sqlite3.Connection) -> list[Account]:
    rows = conn.execute(
        "SELECT * FROM accounts WHERE retired = 0 ORDER BY coalesce(position, id), id"
    ).fetchall()
    return [_account(conn, row) for row in rows]


def update_account(conn: sqlite3.Connection, account: Account) -> None:
    """Store an account's settings; a changed rate limit starts with its budget whole."""
    (old,) = conn.execute("SELECT rate_limit FROM accounts WHERE id = ?", (account.id,)).fetchone()
    if old != _rate_limit(account.rate_limit):
        conn.execute("DELETE FROM rate_calls WHERE account_id = ?", (account.id,))
    conn.execute(
        "UPDATE accounts SET dedup_rules = ?, lag = ?, list_shape = ?, licence = ?, "
        "rate_limit = ? WHERE id = ?",
        (
            json.dumps([list(r) for r in account.dedup_rules]),
            json.dumps(account.lag.to_json()),
            account.list_shape,
            account.licence,
            _rate_limit(account.rate_limit),
            account.id,
        ),
    )


def _rate_limit(limit: RateLimit | None) -> str | None:
    return json.dumps(limit.to_json()) if limit is not None else None


def use_nonce(
    conn: sqlite3.Connection, key: str, timestamp: int, nonce: str, forget_before: int | None
) -> bool:
    """Record a nonce; False when (key, timestamp, nonce) was used before. Nonces with a
    timestamp before ``forget_before`` are dropped first (None: none now)."""
    if forget_before is not None:
        conn.execute("DELETE FROM nonces WHERE timestamp < ?", (forget_before,))
    cursor = conn.execute(
        "INSERT OR IGNORE INTO nonces (key, timestamp, nonce) VALUES (?, ?, ?)",
        (key, timestamp, nonce),
    )
    return cursor.rowcount == 1


def add_authentication(conn: sqlite3.Connection, account_id: int, auth: AuthSpec) -> None:
    conn.execute(
        "INSERT INTO authentications (key, secret, account_id, label, id_field) "
        "VALUES (?, ?, ?, ?, ?)",
        (auth.key, auth.secret, account_id, auth.label, auth.id_field),
    )


def remove_authentication(conn: sqlite3.Connection, account_id: int, label: str) -> bool:
    return (
        conn.execute(
            "DELETE FROM authentications WHERE account_id = ? AND label = ?", (account_id, label)
        ).rowcount
        > 0
    )


def set_secret(conn: sqlite3.Connection, account_id: int, label: str, secret: str) -> bool:
    return (
        conn.execute(
            "UPDATE authentications SET secret = ? WHERE account_id = ? AND label = ?",
            (secret, account_id, label),
        ).rowcount
        > 0
    )


def keep_source(conn: sqlite3.Connection, name: str, document: dict[str, Any]) -> None:
    """Remember the document an account was created from (replacing an earlier one)."""
    conn.execute(
        "INSERT OR REPLACE INTO account_sources (name, document) VALUES (?, ?)",
        (name, json.dumps(document)),
    )


def source(conn: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    """The document an account was created from, or None for one made before they were kept."""
    row = conn.execute("SELECT document FROM account_sources WHERE name = ?", (name,)).fetchone()
    found: dict[str, Any] | None = json.loads(row["document"]) if row else None
    return found
