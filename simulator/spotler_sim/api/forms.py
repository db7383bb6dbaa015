"""Handlers of the form operations and of the contact's form history: one transaction each
around a call of the domain; answers in XML when the client asks for it."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import answer, operation, page_request, paged
from spotler_sim.domain import forms
from spotler_sim.domain.paging import HISTORY_PAGE_SIZE
from spotler_sim.http.context import Call


@operation("getForms")
def list_forms(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        found = forms.listing(
            store.forms, call.params.get("formSubType"), call.params.get("formState")
        )
    return answer(found)


def _render(call: Call, request: forms.RenderRequest) -> Response:
    with call.store(write=False) as (store, _now):
        return answer(forms.render(store.forms, store.contacts, call.params["formId"], request))


@operation("getForm")
def get_form(call: Call) -> Response:
    p = call.params
    return _render(
        call,
        forms.RenderRequest(
            post_url=p["postUrl"],
            output_format=p.get("outputFormat", "HTML4STRICT"),
            output_mode=p.get("outputMode", "TABLES"),
            enc_id=p.get("encId"),
        ),
    )


@operation("postForm")
def post_form(call: Call) -> Response:
    b = call.body
    return _render(
        call,
        forms.RenderRequest(
            post_url=b["postUrl"],
            output_format=b.get("outputFormat", "HTML4STRICT"),
            output_mode=b.get("outputMode", "TABLES"),
            prefill=b.get("prefilledValues", {}),
            enc_id=b.get("encId"),
        ),
    )


@operation("submitForm")
def submit_form(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        found = forms.submit(
            store.forms, store.contacts, call.caller, call.params["formId"], call.body, now
        )
    return answer(found)


@operation("getFormResults")
def form_results(call: Call) -> Response:
    p = call.params
    where = forms.ResultFilter(
        completed=p.get("completed"),
        start_ms=forms.date_param_ms(p.get("startDate"), "startDate"),
        end_ms=forms.date_param_ms(p.get("endDate"), "endDate", end=True),
    )
    with call.store(write=False) as (store, _now):
        return answer(forms.results(store.forms, p["formId"], where))


@operation("getFormResult")
def form_result(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        return answer(
            forms.get_result(store.forms, call.params["formId"], call.params["formResultId"])
        )


@operation("getFormHistory")
def form_history(call: Call) -> Response:
    request_page = page_request(call, HISTORY_PAGE_SIZE)
    with call.store(write=False) as (store, _now):
        items, page = forms.history(
            store.forms, store.contacts, call.caller, call.params["externalId"], request_page
        )
    return paged(items, page, "formHistories")
