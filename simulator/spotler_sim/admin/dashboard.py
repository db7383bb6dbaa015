"""The dashboard at /__admin/: one server-rendered page over the same state as the admin API.

Forms post here and come back to the page (no script needed); a small script only keeps the
journal live and the fault counters fresh. What a form builds is checked against the admin
contract exactly as the JSON API checks it, so both refuse the same input with the same words.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from spotler_sim import contracts
from spotler_sim.admin import actions
from spotler_sim.admin.access import TOKEN_COOKIE, check_access
from spotler_sim.config import ADMIN_PREFIX
from spotler_sim.domain.faults import EFFECTS, rule_document
from spotler_sim.domain.paging import PageRequest
from spotler_sim.errors import SpotlerError
from spotler_sim.http import validation
from spotler_sim.http.context import services

dashboard = Blueprint("dashboard", __name__, url_prefix=ADMIN_PREFIX)

JOURNAL_ROWS = 100
CONTACT_ROWS = 50
VERDICT_ROWS = 100
JOURNAL_FILTERS = ("method", "path", "status", "account", "fault")
# Form fields that hold numbers; what does not read as one goes to the contract as text and is
# refused there with the contract's message.
NUMBERS = {
    "status",
    "retryAfter",
    "ms",
    "maxMs",
    "seconds",
    "probability",
    "seed",
    "first",
    "after",
}
EFFECT_FIELDS = ("status", "errorType", "message", "retryAfter", "ms", "maxMs", "seconds")
MATCH_FIELDS = ("method", "path", "account", "label")
LOCAL_INPUT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?")


@dashboard.before_request
def _guard() -> None:
    check_access(forms=True)  # forms post only from the dashboard's own pages


@dashboard.after_request
def _keep_token(response: Response) -> Response:
    token = request.args.get("token")
    if token and services().config.admin_token is not None:
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/__admin")
    return response


# ---- the page -------------------------------------------------------------------------------


@dashboard.get("/")
def page() -> Response | str:
    if request.args.get("token"):  # the cookie keeps it (_keep_token); the address bar need not
        return redirect(url_for("dashboard.page"))  # type: ignore[return-value]
    return _render()


def _render(error: str | None = None, status: int = 200) -> Response:
    state = services().state
    accounts = actions.accounts_with_recent_contacts(state, CONTACT_ROWS)
    clock = actions.get_clock(state)
    faults = actions.list_faults(state)
    entries, _ = actions.journal_page(state, _filters(), PageRequest(0, JOURNAL_ROWS))
    verdicts = actions.list_verdicts(state, {})
    html = render_template(
        "dashboard/page.html",
        accounts=accounts,
        clock=clock,
        faults=faults,
        entries=entries,
        verdicts=verdicts[-VERDICT_ROWS:][::-1],
        verdict_count=len(verdicts),
        filters={k: request.args.get(k, "") for k in JOURNAL_FILTERS},
        effects=EFFECTS,
        error=error,
        contact_rows=CONTACT_ROWS,
    )
    return Response(html, status=status, mimetype="text/html")


def _filters() -> dict[str, Any]:
    """The journal filters of the page's address, as the journal store reads them."""
    found: dict[str, Any] = {k: request.args.get(k) or None for k in JOURNAL_FILTERS}
    if found["method"]:
        found["method"] = found["method"].upper()
    for name in ("status", "fault"):
        value = found[name]
        if value is not None and not (value.isdigit() or (name == "fault" and value == "any")):
            found[name] = -1  # matches nothing, as a filter on a status that cannot exist
    if request.args.get("newer_than", "").isdigit():
        found["newer_than"] = int(request.args["newer_than"])
    return found


@dashboard.get("/dashboard/journal")
def journal_rows() -> str:
    """The journal entries newer than ``newer_than`` that pass the filters, as page rows."""
    entries, _ = actions.journal_page(services().state, _filters(), PageRequest(0, JOURNAL_ROWS))
    return render_template("dashboard/entries.html", entries=entries)


@dashboard.get("/dashboard/faults")
def fault_rows() -> str:
    return render_template("dashboard/faults.html", faults=actions.list_faults(services().state))


# ---- the forms ------------------------------------------------------------------------------


def _checked(operation_id: str, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as the JSON API would receive it, validated by the admin contract."""
    op = contracts.operations(contracts.ADMIN)[operation_id]
    body = validation.body(op, json.dumps(document).encode(), "application/json")
    assert isinstance(body, dict)
    return body


def _form_value(name: str) -> Any:
    raw = request.form.get(name, "").strip()
    if raw == "" or name not in NUMBERS:
        return raw or None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _back(section: str) -> Response:
    return redirect(url_for("dashboard.page") + f"#{section}", code=303)  # type: ignore[return-value]


def _form(handler: Any) -> Response:
    """Run a form's handler; a refusal shows on the page, in the same words as the API's."""
    try:
        return handler()  # type: ignore[no-any-return]
    except SpotlerError as error:
        return _render(error=f"{error.error_type}: {error.message}", status=error.status)


@dashboard.post("/dashboard/clock")
def clock_form() -> Response:
    def handle() -> Response:
        state = services().state
        action = request.form.get("action", "")
        if action == "advance":
            body = _checked("advanceClock", {"seconds": _form_value("seconds")})
            actions.advance_clock(state, float(body["seconds"]))
        elif action == "freeze":
            actions.set_clock(state, _checked("setClock", {"frozenAt": _frozen_at()}))
        else:
            actions.set_clock(state, _checked("setClock", {"mode": "real"}))
        return _back("clock")

    return _form(handle)


def _frozen_at() -> str | None:
    value = request.form.get("frozenAt", "").strip()
    # <input type=datetime-local> sends 2026-11-02T12:00[:00] without a zone; the page labels
    # the field UTC, so that is how it is read.
    if LOCAL_INPUT.fullmatch(value):
        value += "Z"
    return value or None


@dashboard.post("/dashboard/faults")
def add_fault_form() -> Response:
    def handle() -> Response:
        rule = rule_document(
            {"type": request.form.get("effect", ""), **{k: _form_value(k) for k in EFFECT_FIELDS}},
            {k: _form_value(k) for k in MATCH_FIELDS},
            (_form_value("windowFrom"), _form_value("windowTo")),
            **{k: _form_value(k) for k in ("probability", "seed", "first", "after", "description")},
        )
        actions.add_fault(services().state, _checked("addFault", rule))
        return _back("faults")

    return _form(handle)


@dashboard.post("/dashboard/faults/<int:fault_id>/remove")
def remove_fault_form(fault_id: int) -> Response:
    # already gone is fine: the page was stale
    actions.remove_fault(services().state, fault_id, missing_ok=True)
    return _back("faults")


@dashboard.post("/dashboard/journal/clear")
def clear_journal_form() -> Response:
    actions.clear_requests(services().state)
    return _back("journal")
