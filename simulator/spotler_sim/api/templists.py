"""Handlers of the temporary-list operations: one transaction each around a call of the domain."""

from __future__ import annotations

import sqlite3

from flask import Response, g

from spotler_sim.api import answer, no_content, operation, reading, transaction
from spotler_sim.domain import templists
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.templists import SqliteTemporaryLists


def _repos(conn: sqlite3.Connection) -> tuple[SqliteTemporaryLists, SqliteContacts]:
    account_id = g.caller.account.id
    return SqliteTemporaryLists(conn, account_id), SqliteContacts(conn, account_id)


@operation("getTemporaryLists")
def get_temporary_lists(**_: str) -> Response:
    with reading() as conn:
        found = templists.listing(_repos(conn)[0])
    return answer(found)  # the reference answers the bare list, without paging


@operation("createTemporaryList")
def create_temporary_list(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        templists.create(*_repos(conn), g.caller, g.body, now)
    return no_content()


@operation("addContactsToTemporaryList")
def add_contacts_to_temporary_list(**_: str) -> Response:
    with transaction(write=True) as (conn, _now):
        templists.add_contacts(*_repos(conn), g.caller, g.params["externalTemporaryListId"], g.body)
    return no_content()


@operation("deleteTemporaryList")
def delete_temporary_list(**_: str) -> Response:
    with transaction(write=True) as (conn, _now):
        templists.delete(_repos(conn)[0], g.params["externalTemporaryListId"])
    return no_content()
