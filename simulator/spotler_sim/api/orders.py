"""Handlers of the order operations: one transaction each around a call of the domain."""

from __future__ import annotations

import sqlite3

from flask import Response, g

from spotler_sim.api import no_content, operation, transaction
from spotler_sim.domain import orders
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.orders import SqliteOrders
from spotler_sim.store.products import SqliteProducts


def _repos(conn: sqlite3.Connection) -> tuple[SqliteOrders, SqliteContacts, SqliteProducts]:
    account_id = g.caller.account.id
    return (
        SqliteOrders(conn, account_id),
        SqliteContacts(conn, account_id),
        SqliteProducts(conn, account_id),
    )


@operation("insertOrder")
def insert_order(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        orders.insert(*_repos(conn), g.caller, g.body, now)
    return no_content()


@operation("updateOrder")
def update_order(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        orders.update(*_repos(conn), g.caller, g.params["externalOrderId"], g.body, now)
    return no_content()


@operation("deleteOrder")
def delete_order(**_: str) -> Response:
    with transaction(write=True) as (conn, _now):
        orders.delete(SqliteOrders(conn, g.caller.account.id), g.params["externalOrderId"])
    return no_content()
