"""Handlers of the audience operations: one transaction each around a call of the domain."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import answer, no_content, operation
from spotler_sim.domain import audiences
from spotler_sim.http.context import Call


@operation("insertAudience")
def insert_audience(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        created = audiences.insert(store.audiences, call.caller.account, call.body, now)
    return answer(created)


@operation("getAudience")
def get_audience(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        found = audiences.get(store.audiences, call.caller.account, call.params["externalId"])
    return answer(found)


@operation("updateAudience")
def update_audience(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        changed = audiences.update(
            store.audiences, call.caller.account, call.params["externalId"], call.body, now
        )
    return answer(changed)


@operation("deleteAudience")
def delete_audience(call: Call) -> Response:
    with call.store(write=True) as (store, _now):
        audiences.delete(store.audiences, call.caller.account, call.params["externalId"])
    return no_content()


@operation("addContactsAudience")
def add_contacts_audience(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        audiences.add_contacts(
            store.audiences, store.contacts, call.caller, call.params["externalId"], call.body, now
        )
    return no_content()


@operation("removeContactsAudience")
def remove_contacts_audience(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        audiences.remove_contacts(
            store.audiences, store.contacts, call.caller, call.params["externalId"], call.body, now
        )
    return no_content()
