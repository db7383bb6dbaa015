"""Handlers of the audience operations: one transaction each around a call of the domain."""

from __future__ import annotations

import sqlite3

from flask import Response, g

from spotler_sim.api import answer, no_content, operation, reading, transaction
from spotler_sim.domain import audiences
from spotler_sim.store.audiences import SqliteAudiences
from spotler_sim.store.contacts import SqliteContacts


def _repos(conn: sqlite3.Connection) -> tuple[SqliteAudiences, SqliteContacts]:
    account_id = g.caller.account.id
    return SqliteAudiences(conn, account_id), SqliteContacts(conn, account_id)


@operation("insertAudience")
def insert_audience(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        created = audiences.insert(_repos(conn)[0], g.caller.account, g.body, now)
    return answer(created)


@operation("getAudience")
def get_audience(**_: str) -> Response:
    with reading() as conn:
        found = audiences.get(_repos(conn)[0], g.caller.account, g.params["externalId"])
    return answer(found)


@operation("updateAudience")
def update_audience(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        changed = audiences.update(
            _repos(conn)[0], g.caller.account, g.params["externalId"], g.body, now
        )
    return answer(changed)


@operation("deleteAudience")
def delete_audience(**_: str) -> Response:
    with transaction(write=True) as (conn, _now):
        audiences.delete(_repos(conn)[0], g.caller.account, g.params["externalId"])
    return no_content()


@operation("addContactsAudience")
def add_contacts_audience(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        audiences.add_contacts(*_repos(conn), g.caller, g.params["externalId"], g.body, now)
    return no_content()


@operation("removeContactsAudience")
def remove_contacts_audience(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        audiences.remove_contacts(*_repos(conn), g.caller, g.params["externalId"], g.body, now)
    return no_content()
