"""Handlers of the product operations: one transaction each around a call of the domain."""

from __future__ import annotations

import sqlite3

from flask import Response, g

from spotler_sim.api import answer, no_content, operation, page_request, reading, transaction
from spotler_sim.domain import products
from spotler_sim.store.products import SqliteProducts


def _repo(conn: sqlite3.Connection) -> SqliteProducts:
    return SqliteProducts(conn, g.caller.account.id)


@operation("insertProduct")
def insert_product(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        products.insert(_repo(conn), g.caller.account, g.body, now)
    return no_content()


@operation("updateProduct")
def update_product(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        products.update(_repo(conn), g.caller.account, g.params["externalProductId"], g.body, now)
    return no_content()


@operation("deleteProduct")
def delete_product(**_: str) -> Response:
    with transaction(write=True) as (conn, _now):
        products.delete(_repo(conn), g.params["externalProductId"])
    return no_content()


@operation("getProduct")
def get_product(**_: str) -> Response:
    with reading() as conn:
        return answer(products.get(_repo(conn), g.params["externalProductId"]))


@operation("searchProducts")
def search_products(**_: str) -> Response:
    with reading() as conn:
        items, _page = products.search(
            _repo(conn), g.caller.account, g.params["MPSearchQuery"], page_request()
        )
    return answer(items)  # the reference answers a bare list here, without paging


@operation("getProductProperties")
def get_product_properties(**_: str) -> Response:
    return answer(products.properties_list(g.caller.account))
