"""Handlers of the order operations: one transaction each around a call of the domain."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import no_content, operation
from spotler_sim.domain import orders
from spotler_sim.http.context import Call


@operation("insertOrder")
def insert_order(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        orders.insert(store.orders, store.contacts, store.products, call.caller, call.body, now)
    return no_content()


@operation("updateOrder")
def update_order(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        orders.update(
            store.orders,
            store.contacts,
            store.products,
            call.caller,
            call.params["externalOrderId"],
            call.body,
            now,
        )
    return no_content()


@operation("deleteOrder")
def delete_order(call: Call) -> Response:
    with call.store(write=True) as (store, _now):
        orders.delete(store.orders, call.params["externalOrderId"])
    return no_content()
