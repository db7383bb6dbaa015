"""Handlers of the regular-mailing operations and of the contact's mailing history: one read
transaction each around a call of ``domain.reports``."""

from __future__ import annotations

from flask import Response, g

from spotler_sim.api import answer, operation, page_request, paged, transaction
from spotler_sim.domain import reports
from spotler_sim.domain.paging import HISTORY_PAGE_SIZE
from spotler_sim.domain.timewindows import Window
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.mailings import SqliteMailings


def _page(kind: str, key: str) -> Response:
    with transaction(write=False) as (conn, now):
        items, page = reports.mailing_page(
            SqliteMailings(conn, g.caller.account.id),
            g.caller,
            g.params["encryptedMailingId"],
            kind,
            page_request(),
            now,
        )
    return paged(items, page, key)


def _contact_page(kind: str, key: str) -> Response:
    account_id = g.caller.account.id
    with transaction(write=False) as (conn, now):
        items, page = reports.contact_page(
            SqliteMailings(conn, account_id),
            SqliteContacts(conn, account_id),
            g.caller,
            g.params["encryptedMailingId"],
            g.params["externalId"],
            kind,
            page_request(),
            now,
        )
    return paged(items, page, key)


@operation("getMailings")
def list_mailings(**_: str) -> Response:
    window = Window.parse(g.params.get("fromDate"), g.params.get("toDate"))
    with transaction(write=False) as (conn, now):
        found = reports.listing(
            SqliteMailings(conn, g.caller.account.id), (window.from_ms, window.to_ms), now
        )
    return answer(found)


@operation("getMailingDetails")
def mailing_details(**_: str) -> Response:
    with transaction(write=False) as (conn, now):
        repo = SqliteMailings(conn, g.caller.account.id)
        return answer(reports.details(repo, g.params["encryptedMailingId"], now))


@operation("getMailingStats")
def mailing_statistics(**_: str) -> Response:
    with transaction(write=False) as (conn, now):
        repo = SqliteMailings(conn, g.caller.account.id)
        return answer(reports.statistics(repo, g.params["encryptedMailingId"], now))


@operation("getMailingMailedContacts")
def mailing_recipients(**_: str) -> Response:
    return _page("sent", "recipients")


@operation("getMailingOpensResponse")
def mailing_opens(**_: str) -> Response:
    return _page("open", "opens")


@operation("getMailingClickResponse")
def mailing_clicks(**_: str) -> Response:
    return _page("click", "clicks")


@operation("getMailingBounceResponse")
def mailing_bounces(**_: str) -> Response:
    return _page("bounce", "bounces")


@operation("getMailingContactOpensResponse")
def mailing_contact_opens(**_: str) -> Response:
    return _contact_page("open", "opens")


@operation("getMailingContactClicksResponse")
def mailing_contact_clicks(**_: str) -> Response:
    return _contact_page("click", "clicks")


@operation("getMailingHistory")
def mailing_history(**_: str) -> Response:
    request_page = page_request(HISTORY_PAGE_SIZE)
    account_id = g.caller.account.id
    with transaction(write=False) as (conn, now):
        items, page = reports.history(
            SqliteMailings(conn, account_id),
            SqliteContacts(conn, account_id),
            g.caller,
            g.params["externalId"],
            request_page,
            now,
        )
    return paged(items, page, "mailingHistories")
