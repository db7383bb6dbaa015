"""Handlers of the temporary-list operations: one transaction each around a call of the domain."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import answer, no_content, operation
from spotler_sim.domain import templists
from spotler_sim.http.context import Call


@operation("getTemporaryLists")
def get_temporary_lists(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        found = templists.listing(store.templists)
    return answer(found)  # the reference answers the bare list, without paging


@operation("createTemporaryList")
def create_temporary_list(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        templists.create(store.templists, store.contacts, call.caller, call.body, now)
    return no_content()


@operation("addContactsToTemporaryList")
def add_contacts_to_temporary_list(call: Call) -> Response:
    with call.store(write=True) as (store, _now):
        templists.add_contacts(
            store.templists,
            store.contacts,
            call.caller,
            call.params["externalTemporaryListId"],
            call.body,
        )
    return no_content()


@operation("deleteTemporaryList")
def delete_temporary_list(call: Call) -> Response:
    with call.store(write=True) as (store, _now):
        templists.delete(store.templists, call.params["externalTemporaryListId"])
    return no_content()
