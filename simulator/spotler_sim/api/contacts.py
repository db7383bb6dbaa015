"""Handlers of the contact operations: parse nothing, decide nothing, call the domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, g

from spotler_sim.api import (
    answer,
    contact_reader,
    contact_repo,
    no_content,
    operation,
    page_request,
    paged,
)
from spotler_sim.domain import contacts
from spotler_sim.domain.paging import Page
from spotler_sim.domain.timewindows import Window


@operation("insertContact")
def insert_contact(**_: str) -> Response:
    with contact_repo(write=True) as (repo, now):
        contacts.upsert(
            repo,
            g.caller,
            g.body["contact"],
            update=g.body.get("update", False),
            purge=g.body.get("purge", False),
            now_ms=now,
        )
    return no_content()


@operation("insertContacts")
def insert_contacts(**_: str) -> Response:
    with contact_repo(write=True) as (repo, now):
        return answer(contacts.insert_batch(repo, g.caller, g.body, now))


@operation("updateContact")
def update_contact(**_: str) -> Response:
    with contact_repo(write=True) as (repo, now):
        contacts.update(repo, g.caller, g.params["externalId"], g.body, now)
    return no_content()


@operation("getContact")
def get_contact(**_: str) -> Response:
    with contact_reader() as repo:
        return answer(contacts.get(repo, g.caller, g.params["externalId"]))


@operation("anonymizeContact")
def anonymize_contact(**_: str) -> Response:
    with contact_repo(write=True) as (repo, now):
        contacts.anonymize(repo, g.caller, g.params["externalId"], now)
    return no_content()


@operation("inactivateContact")
def inactivate_contact(**_: str) -> Response:
    with contact_repo(write=True) as (repo, now):
        contacts.inactivate(repo, g.caller, g.params["externalId"], now)
    return no_content()


@operation("getContactProperties")
def get_contact_properties(**_: str) -> Response:
    return answer(contacts.properties_list(g.caller))


@operation("searchContactsJson")
def search_contacts(**_: str) -> Response:
    with contact_reader() as repo:
        items, page = contacts.search(repo, g.caller, g.params["MPSearchQuery"], page_request())
    return paged(items, page, "contacts")


def _windowed(list_changes: Callable[..., tuple[list[Any], Page]], key: str) -> Response:
    """A time-windowed list: the window is read before any state is touched."""
    window = Window.parse(g.params.get("fromDate"), g.params.get("toDate"))
    # Reading the updates list lets due pending changes become visible: a write transaction.
    with contact_repo(write=True) as (repo, now):
        items, page = list_changes(repo, g.caller, window, page_request(), now)
    return paged(items, page, key, bare=g.caller.account.list_shape == "array")


@operation("getUpdatedContactsJson")
def updated_contacts(**_: str) -> Response:
    return _windowed(contacts.updated, "contacts")


@operation("getBouncedContactsJson")
def bounced_contacts(**_: str) -> Response:
    return _windowed(contacts.bounced, "bounces")
