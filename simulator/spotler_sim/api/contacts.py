"""Handlers of the contact operations: parse nothing, decide nothing, call the domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from spotler_sim.api import answer, no_content, operation, page_request, paged
from spotler_sim.domain import contacts
from spotler_sim.domain.paging import Page
from spotler_sim.domain.timewindows import Window
from spotler_sim.http.context import Call


@operation("insertContact")
def insert_contact(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        contacts.upsert(
            store.contacts,
            call.caller,
            call.body["contact"],
            update=call.body.get("update", False),
            purge=call.body.get("purge", False),
            now_ms=now,
        )
    return no_content()


@operation("insertContacts")
def insert_contacts(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        return answer(contacts.insert_batch(store.contacts, call.caller, call.body, now))


@operation("updateContact")
def update_contact(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        contacts.update(store.contacts, call.caller, call.params["externalId"], call.body, now)
    return no_content()


@operation("getContact")
def get_contact(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        return answer(contacts.get(store.contacts, call.caller, call.params["externalId"]))


@operation("anonymizeContact")
def anonymize_contact(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        contacts.anonymize(store.contacts, call.caller, call.params["externalId"], now)
    return no_content()


@operation("inactivateContact")
def inactivate_contact(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        contacts.inactivate(store.contacts, call.caller, call.params["externalId"], now)
    return no_content()


@operation("getContactProperties")
def get_contact_properties(call: Call) -> Response:
    return answer(contacts.properties_list(call.caller))


@operation("searchContactsJson")
def search_contacts(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        items, page = contacts.search(
            store.contacts, call.caller, call.params["MPSearchQuery"], page_request(call)
        )
    return paged(items, page, "contacts")


def _windowed(
    call: Call, list_changes: Callable[..., tuple[list[Any], Page]], key: str
) -> Response:
    """A time-windowed list: the window is read before any state is touched."""
    window = Window.parse(call.params.get("fromDate"), call.params.get("toDate"))
    # Reading the updates list lets due pending changes become visible: a write transaction.
    with call.store(write=True) as (store, now):
        items, page = list_changes(store.contacts, call.caller, window, page_request(call), now)
    return paged(items, page, key, bare=call.caller.account.list_shape == "array")


@operation("getUpdatedContactsJson")
def updated_contacts(call: Call) -> Response:
    return _windowed(call, contacts.updated, "contacts")


@operation("getBouncedContactsJson")
def bounced_contacts(call: Call) -> Response:
    return _windowed(call, contacts.bounced, "bounces")
