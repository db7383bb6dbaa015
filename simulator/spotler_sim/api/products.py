"""Handlers of the product operations: one transaction each around a call of the domain."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import answer, no_content, operation, page_request
from spotler_sim.domain import products
from spotler_sim.http.context import Call


@operation("insertProduct")
def insert_product(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        products.insert(store.products, call.caller.account, call.body, now)
    return no_content()


@operation("updateProduct")
def update_product(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        products.update(
            store.products, call.caller.account, call.params["externalProductId"], call.body, now
        )
    return no_content()


@operation("deleteProduct")
def delete_product(call: Call) -> Response:
    with call.store(write=True) as (store, _now):
        products.delete(store.products, call.params["externalProductId"])
    return no_content()


@operation("getProduct")
def get_product(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        return answer(products.get(store.products, call.params["externalProductId"]))


@operation("searchProducts")
def search_products(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        items, _page = products.search(
            store.products, call.caller.account, call.params["MPSearchQuery"], page_request(call)
        )
    return answer(items)  # the reference answers a bare list here, without paging


@operation("getProductProperties")
def get_product_properties(call: Call) -> Response:
    return answer(products.properties_list(call.caller.account))
