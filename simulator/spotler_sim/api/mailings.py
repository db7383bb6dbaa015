"""Handlers of the regular-mailing operations and of the contact's mailing history: one read
transaction each around a call of ``domain.reports``."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import answer, operation, page_request, paged
from spotler_sim.domain import reports
from spotler_sim.domain.paging import HISTORY_PAGE_SIZE
from spotler_sim.domain.timewindows import Window
from spotler_sim.http.context import Call


def _page(call: Call, kind: str, key: str) -> Response:
    with call.store(write=False) as (store, now):
        items, page = reports.mailing_page(
            store.mailings,
            call.caller,
            call.params["encryptedMailingId"],
            kind,
            page_request(call),
            now,
        )
    return paged(items, page, key)


def _contact_page(call: Call, kind: str, key: str) -> Response:
    with call.store(write=False) as (store, now):
        items, page = reports.contact_page(
            store.mailings,
            store.contacts,
            call.caller,
            call.params["encryptedMailingId"],
            call.params["externalId"],
            kind,
            page_request(call),
            now,
        )
    return paged(items, page, key)


@operation("getMailings")
def list_mailings(call: Call) -> Response:
    window = Window.parse(call.params.get("fromDate"), call.params.get("toDate"))
    with call.store(write=False) as (store, now):
        found = reports.listing(store.mailings, (window.from_ms, window.to_ms), now)
    return answer(found)


@operation("getMailingDetails")
def mailing_details(call: Call) -> Response:
    with call.store(write=False) as (store, now):
        return answer(reports.details(store.mailings, call.params["encryptedMailingId"], now))


@operation("getMailingStats")
def mailing_statistics(call: Call) -> Response:
    with call.store(write=False) as (store, now):
        return answer(reports.statistics(store.mailings, call.params["encryptedMailingId"], now))


@operation("getMailingMailedContacts")
def mailing_recipients(call: Call) -> Response:
    return _page(call, "sent", "recipients")


@operation("getMailingOpensResponse")
def mailing_opens(call: Call) -> Response:
    return _page(call, "open", "opens")


@operation("getMailingClickResponse")
def mailing_clicks(call: Call) -> Response:
    return _page(call, "click", "clicks")


@operation("getMailingBounceResponse")
def mailing_bounces(call: Call) -> Response:
    return _page(call, "bounce", "bounces")


@operation("getMailingContactOpensResponse")
def mailing_contact_opens(call: Call) -> Response:
    return _contact_page(call, "open", "opens")


@operation("getMailingContactClicksResponse")
def mailing_contact_clicks(call: Call) -> Response:
    return _contact_page(call, "click", "clicks")


@operation("getMailingHistory")
def mailing_history(call: Call) -> Response:
    request_page = page_request(call, HISTORY_PAGE_SIZE)
    with call.store(write=False) as (store, now):
        items, page = reports.history(
            store.mailings,
            store.contacts,
            call.caller,
            call.params["externalId"],
            request_page,
            now,
        )
    return paged(items, page, "mailingHistories")
