"""Handlers of the form operations and of the contact's form history: one transaction each
around a call of the domain; answers in XML when the client asks for it."""

from __future__ import annotations

import sqlite3

from flask import Response, g

from spotler_sim.api import answer, operation, page_request, paged, reading, transaction
from spotler_sim.domain import forms
from spotler_sim.domain.paging import HISTORY_PAGE_SIZE
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.forms import SqliteForms


def _repos(conn: sqlite3.Connection) -> tuple[SqliteForms, SqliteContacts]:
    account_id = g.caller.account.id
    return SqliteForms(conn, account_id), SqliteContacts(conn, account_id)


@operation("getForms")
def list_forms(**_: str) -> Response:
    with reading() as conn:
        repo = SqliteForms(conn, g.caller.account.id)
        found = forms.listing(repo, g.params.get("formSubType"), g.params.get("formState"))
    return answer(found)


def _render(request: forms.RenderRequest) -> Response:
    with reading() as conn:
        return answer(forms.render(*_repos(conn), g.params["formId"], request))


@operation("getForm")
def get_form(**_: str) -> Response:
    p = g.params
    return _render(
        forms.RenderRequest(
            post_url=p["postUrl"],
            output_format=p.get("outputFormat", "HTML4STRICT"),
            output_mode=p.get("outputMode", "TABLES"),
            enc_id=p.get("encId"),
        )
    )


@operation("postForm")
def post_form(**_: str) -> Response:
    b = g.body
    return _render(
        forms.RenderRequest(
            post_url=b["postUrl"],
            output_format=b.get("outputFormat", "HTML4STRICT"),
            output_mode=b.get("outputMode", "TABLES"),
            prefill=b.get("prefilledValues", {}),
            enc_id=b.get("encId"),
        )
    )


@operation("submitForm")
def submit_form(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        found = forms.submit(*_repos(conn), g.caller, g.params["formId"], g.body, now)
    return answer(found)


@operation("getFormResults")
def form_results(**_: str) -> Response:
    p = g.params
    where = forms.ResultFilter(
        completed=p.get("completed"),
        start_ms=forms.date_param_ms(p.get("startDate"), "startDate"),
        end_ms=forms.date_param_ms(p.get("endDate"), "endDate", end=True),
    )
    with reading() as conn:
        return answer(forms.results(SqliteForms(conn, g.caller.account.id), p["formId"], where))


@operation("getFormResult")
def form_result(**_: str) -> Response:
    with reading() as conn:
        repo = SqliteForms(conn, g.caller.account.id)
        return answer(forms.get_result(repo, g.params["formId"], g.params["formResultId"]))


@operation("getFormHistory")
def form_history(**_: str) -> Response:
    request_page = page_request(HISTORY_PAGE_SIZE)
    with reading() as conn:
        items, page = forms.history(*_repos(conn), g.caller, g.params["externalId"], request_page)
    return paged(items, page, "formHistories")
