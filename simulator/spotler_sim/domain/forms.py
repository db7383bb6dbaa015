"""The form rules: list, render, submit a result, read results, the contact's form history.

Forms and their fields are seeded per account by a fixture. A field has a type (text, textarea,
email, number, date, select, radio, checkbox, hidden), may be required, may offer options, and
may map to a contact property. Posting a result checks every field's values, creates or updates
the contact when the form maps a field to ``email`` (with the other mapped properties), and
stores the result, numbered per account (the ``formResultId``). A form that is not ``final``
records test results.

The refusals follow the reference: an unknown form 404 FORM_NOT_FOUND, an unknown result (or
one of another form) 404 FORMRESULT_NOT_FOUND, values that do not fit the form 400
INVALID_PARAMS, a mapped value the contact property refuses 400 INVALID_PROPERTY.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from spotler_sim.domain import contacts as contact_rules
from spotler_sim.domain.contacts import ContactRepo, find
from spotler_sim.domain.model import Caller
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms
from spotler_sim.errors import SpotlerError

CHOICES = ("select", "radio", "checkbox")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


@dataclass(frozen=True)
class FormField:
    field_id: int
    name: str  # the key of formParams
    label: str
    type: str = "text"
    required: bool = False
    property: str | None = None  # the contact property it fills
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    form_id: int
    name: str
    sub_type: str = "normal"
    state: str = "final"
    confirmation: str = ""
    redirect_url: str | None = None
    fields: tuple[FormField, ...] = ()
    id: int = 0  # the storage row


@dataclass
class FormResult:
    form_row: int
    submitted_ms: int
    answers: dict[str, list[str]]
    completed: bool = True
    test: bool = False
    contact_id: int | None = None
    number: int = 0  # the formResultId; given by the repository when 0


@dataclass(frozen=True)
class HistoryRow:
    form: Form
    result: FormResult


@dataclass(frozen=True)
class ResultFilter:
    completed: bool | None = None
    start_ms: int | None = None
    end_ms: int | None = None


def date_param_ms(value: str | None, name: str, *, end: bool = False) -> int | None:
    """A ``DateParam`` (yyyyMMdd or yyyyMMddHHmmss, Amsterdam time) as epoch ms; a day alone
    means its start, or its end for an end date."""
    if value is None:
        return None
    iso = f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    if len(value) > 8:
        iso += f"T{value[8:10]}:{value[10:12]}:{value[12:14]}"
    try:
        return parse_instant_ms(iso, name=name, end_of_day=end)
    except SpotlerError:
        raise SpotlerError.invalid_params(
            f"query parameter {name}={value!r} is not a moment: use yyyyMMddHHmmss or yyyyMMdd"
        ) from None


class FormContacts(ContactRepo, Protocol):
    """The contact rules' repository, plus finding a contact by its encrypted id."""

    def by_encrypted_id(self, encrypted_id: str) -> int | None: ...


class FormRepo(Protocol):
    """What the form rules need from storage, for one account."""

    def forms(self, sub_type: str | None, state: str | None) -> list[Form]: ...
    def form(self, form_id: int) -> Form | None: ...
    def form_by_row(self, row: int) -> Form | None: ...
    def add_form(self, form: Form) -> int: ...
    def save_result(self, result: FormResult) -> int: ...
    def has_result(self, number: int) -> bool: ...
    def result(self, form_row: int, number: int) -> FormResult | None: ...
    def results(self, form_row: int, where: ResultFilter) -> list[FormResult]: ...
    def history(self, contact_id: int, offset: int, limit: int) -> list[HistoryRow]: ...


def _form_not_found(form_id: int) -> SpotlerError:
    return SpotlerError(
        404,
        "FORM_NOT_FOUND",
        f"no form has formId {form_id} in this account; GET /form/list names the forms",
    )


def require(repo: FormRepo, form_id: int) -> Form:
    form = repo.form(form_id)
    if form is None:
        raise _form_not_found(form_id)
    return form


# ---- views -----------------------------------------------------------------------------------


def form_view(form: Form) -> dict[str, Any]:
    return {
        "id": form.form_id,
        "name": form.name,
        "formSubType": form.sub_type,
        "formState": form.state,
    }


def result_view(form: Form, result: FormResult) -> dict[str, Any]:
    answers = [
        {
            "rank": rank,
            "fieldId": f.field_id,
            "description": f.label,
            "answer": result.answers[f.name],
        }
        for rank, f in enumerate(form.fields, start=1)
        if f.name in result.answers
    ]
    return {
        "formResultId": result.number,
        "submittedAt": iso_utc(result.submitted_ms),
        "testResult": result.test,
        "answers": answers,
        "completed": result.completed,
    }


# ---- reading ---------------------------------------------------------------------------------


def listing(repo: FormRepo, sub_type: str | None, state: str | None) -> list[dict[str, Any]]:
    """GET /form/list: the account's forms, optionally of one subtype or state."""
    return [form_view(f) for f in repo.forms(sub_type, state)]


def get_result(repo: FormRepo, form_id: int, number: int) -> dict[str, Any]:
    """GET /form/result/{formId}/{formResultId}."""
    form = require(repo, form_id)
    result = repo.result(form.id, number)
    if result is None:
        raise SpotlerError(
            404,
            "FORMRESULT_NOT_FOUND",
            f"form {form_id} has no result with formResultId {number}; GET "
            f"/form/result/{form_id} lists its results and GET /contact/{{externalId}}/forms "
            f"a contact's",
        )
    return result_view(form, result)


def results(repo: FormRepo, form_id: int, where: ResultFilter) -> list[dict[str, Any]]:
    """GET /form/result/{formId}: the results of a form, oldest first."""
    form = require(repo, form_id)
    return [result_view(form, r) for r in repo.results(form.id, where)]


def history(
    repo: FormRepo, contacts: ContactRepo, caller: Caller, external_id: str, request: PageRequest
) -> tuple[list[dict[str, Any]], Page]:
    """GET /contact/{externalId}/forms: the forms the contact submitted, oldest first."""
    contact = find(contacts, caller, external_id)
    page = Page.cut(repo.history(contact.id, request.after, request.fetch), request)
    items = [
        {
            "form": form_view(row.form),
            "formResultId": row.result.number,
            "submitDate": iso_utc(row.result.submitted_ms),
            "completed": row.result.completed,
        }
        for row in page.items
    ]
    return items, page


# ---- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderRequest:
    post_url: str
    output_format: str = "HTML4STRICT"
    output_mode: str = "TABLES"
    prefill: dict[str, list[str]] = field(default_factory=dict)
    enc_id: str | None = None


def _input(f: FormField, values: list[str], xhtml: bool) -> str:
    close = " />" if xhtml else ">"
    name = html.escape(f.name)
    required = ' required="required"' if f.required and xhtml else " required" if f.required else ""
    if f.type == "textarea":
        text = html.escape(values[0]) if values else ""
        return f'<textarea name="{name}" id="{name}"{required}>{text}</textarea>'
    if f.type == "select":
        opts = "".join(
            f'<option value="{html.escape(o)}"'
            + (' selected="selected"' if o in values else "")
            + f">{html.escape(o)}</option>"
            for o in f.options
        )
        return f'<select name="{name}" id="{name}"{required}>{opts}</select>'
    if f.type in ("radio", "checkbox"):
        return "".join(
            f'<label><input type="{f.type}" name="{name}" value="{html.escape(o)}"'
            + (' checked="checked"' if o in values else "")
            + f"{close} {html.escape(o)}</label>"
            for o in f.options
        )
    kind = {"email": "email", "number": "number", "date": "date", "hidden": "hidden"}.get(
        f.type, "text"
    )
    value = f' value="{html.escape(values[0])}"' if values else ""
    return f'<input type="{kind}" name="{name}" id="{name}"{value}{required}{close}'


def render(
    repo: FormRepo, contacts: FormContacts, form_id: int, request: RenderRequest
) -> dict[str, Any]:
    """GET (or POST) /form/{formId}: the form as HTML for the page, prefilled from the contact
    an ``encId`` names (an unknown one prefills nothing) and from ``prefilledValues``."""
    form = require(repo, form_id)
    known: dict[str, Any] = {}
    if request.enc_id:
        contact_id = contacts.by_encrypted_id(request.enc_id)
        contact = contacts.load(contact_id) if contact_id is not None else None
        known = contact.properties if contact is not None else {}
    xhtml = request.output_format == "XHTML1STRICT"
    rows = []
    for f in form.fields:
        values = request.prefill.get(f.name)
        if values is None and f.property and known.get(f.property) not in (None, ""):
            values = [str(known[f.property])]
        control = _input(f, values or [], xhtml)
        label = html.escape(f.label) + (" *" if f.required else "")
        if request.output_mode == "DIV":
            rows.append(
                f'<div class="mpFormField"><label for="{f.name}">{label}</label>{control}</div>'
            )
        else:
            rows.append(
                f'<tr><td><label for="{f.name}">{label}</label></td><td>{control}</td></tr>'
            )
    body = "".join(rows)
    if request.output_mode != "DIV":
        body = f"<table>{body}</table>"
    close = " />" if xhtml else ">"
    markup = (
        f'<form method="post" action="{html.escape(request.post_url)}" '
        f'id="mpform{form.form_id}">{body}'
        f'<input type="submit" value="Send"{close}</form>'
    )
    required = [f.name for f in form.fields if f.required]
    script = (
        f"/* spotler-sim form {form.form_id}: required fields */ "
        f"var mpRequired{form.form_id} = {required!r};".replace("'", '"')
    )
    return {"html": markup, "script": script, "isConfirmationPage": False, "url": None}


# ---- submitting ------------------------------------------------------------------------------


def _refuse(form: Form, f: FormField, problem: str) -> SpotlerError:
    return SpotlerError.invalid_params(
        f"form {form.form_id} field {f.name!r} ({f.label}): {problem}; fix the value and post "
        f"the form again (GET /form/{form.form_id} shows the fields)"
    )


def _check(form: Form, f: FormField, sent: list[str]) -> list[str]:
    """The field's values as stored: empty ones dropped, each checked against the field."""
    values = [v.strip() for v in sent if v.strip()]
    if not values:
        if f.required:
            raise _refuse(form, f, "a value is required")
        return []
    if f.type != "checkbox" and len(values) > 1:
        raise _refuse(form, f, f"takes one value, {len(values)} were sent")
    for value in values:
        if f.type == "email" and not _EMAIL.match(value):
            raise _refuse(form, f, f"{value!r} is not an e-mail address")
        if f.type == "number" and not _NUMBER.match(value):
            raise _refuse(form, f, f"{value!r} is not a number")
        if f.type == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                raise _refuse(form, f, f"{value!r} is not a date as yyyy-mm-dd") from None
        if f.type in CHOICES and f.options and value not in f.options:
            raise _refuse(form, f, f"{value!r} is not one of {', '.join(f.options)}")
    return values


def _property_value(f: FormField, values: list[str]) -> Any:
    if f.type == "checkbox":
        return values
    if f.type == "number":
        number = float(values[0].replace(",", "."))
        return int(number) if number.is_integer() else number
    return values[0]


def submit(
    repo: FormRepo,
    contacts: ContactRepo,
    caller: Caller,
    form_id: int,
    body: dict[str, Any],
    now_ms: int,
) -> dict[str, Any]:
    """POST /form/result/{formId}: check the values, update the contact, store the result."""
    form = require(repo, form_id)
    sent: dict[str, list[str]] = body["formParams"]
    answers: dict[str, list[str]] = {}
    for f in form.fields:
        values = _check(form, f, sent.get(f.name, []))
        if values:
            answers[f.name] = values
    mapped = {
        f.property: _property_value(f, answers[f.name])
        for f in form.fields
        if f.property and f.name in answers
    }
    contact_id = None
    if mapped.get("email"):
        contact_id = contact_rules.upsert(
            contacts, caller, {"properties": mapped}, update=True, purge=False, now_ms=now_ms
        )
    repo.save_result(
        FormResult(
            form_row=form.id,
            submitted_ms=now_ms,
            answers=answers,
            completed=True,
            test=form.state != "final",
            contact_id=contact_id,
        )
    )
    confirmation = form.confirmation or f"<p>Thank you: {html.escape(form.name)} was received.</p>"
    return {
        "html": confirmation,
        "script": "",
        "isConfirmationPage": True,
        "url": form.redirect_url,
    }


# ---- fixtures and snapshots ------------------------------------------------------------------


def seed_form(repo: FormRepo, contacts: FormContacts, raw: dict[str, Any], now_ms: int) -> None:
    """A form of a fixture or snapshot (a ``SeedForm``) with its results."""
    if repo.form(int(raw["id"])) is not None:
        raise SpotlerError.invalid_params(
            f"fixture form {raw['name']!r}: id {raw['id']} is used twice; give every form an "
            f"id of its own"
        )
    names = [f["name"] for f in raw.get("fields", [])]
    ids = [f["id"] for f in raw.get("fields", [])]
    if len(set(names)) != len(names) or len(set(ids)) != len(ids):
        raise SpotlerError.invalid_params(
            f"fixture form {raw['name']!r}: two fields share a name or an id; give every field "
            f"of a form its own"
        )
    form = Form(
        form_id=int(raw["id"]),
        name=raw["name"],
        sub_type=raw.get("formSubType", "normal"),
        state=raw.get("formState", "final"),
        confirmation=raw.get("confirmation", ""),
        redirect_url=raw.get("redirectUrl"),
        fields=tuple(
            FormField(
                field_id=int(f["id"]),
                name=f["name"],
                label=f.get("label", f["name"]),
                type=f.get("type", "text"),
                required=bool(f.get("required", False)),
                property=f.get("property"),
                options=tuple(f.get("options", [])),
            )
            for f in raw.get("fields", [])
        ),
    )
    row = repo.add_form(form)
    for entry in raw.get("results", []):
        number = int(entry.get("formResultId", 0))
        if number and repo.has_result(number):
            raise SpotlerError.invalid_params(
                f"fixture form {raw['name']!r}: formResultId {number} is used twice in the "
                f"account; leave it out and one is given"
            )
        contact_id = None
        if "contactEncryptedId" in entry:
            contact_id = contacts.by_encrypted_id(entry["contactEncryptedId"])
            if contact_id is None:
                raise SpotlerError.invalid_params(
                    f"fixture form {raw['name']!r}: a result names contactEncryptedId "
                    f"{entry['contactEncryptedId']!r}, which the account does not have: add "
                    f"the contact first"
                )
        repo.save_result(
            FormResult(
                form_row=row,
                submitted_ms=int(entry.get("submitted", now_ms)),
                answers={k: list(v) for k, v in entry.get("answers", {}).items()},
                completed=bool(entry.get("completed", True)),
                test=bool(entry.get("testResult", form.state != "final")),
                contact_id=contact_id,
                number=number,
            )
        )


def form_seed_view(
    form: Form, results_of_form: list[FormResult], encrypted: dict[int, str]
) -> dict[str, Any]:
    """A form as a fixture or snapshot holds it; :func:`seed_form` reads it back."""
    fields = []
    for f in form.fields:
        entry: dict[str, Any] = {
            "id": f.field_id,
            "name": f.name,
            "label": f.label,
            "type": f.type,
            "required": f.required,
        }
        if f.property:
            entry["property"] = f.property
        if f.options:
            entry["options"] = list(f.options)
        fields.append(entry)
    out: dict[str, Any] = {
        "id": form.form_id,
        "name": form.name,
        "formSubType": form.sub_type,
        "formState": form.state,
        "confirmation": form.confirmation,
        "fields": fields,
        "results": [],
    }
    if form.redirect_url is not None:
        out["redirectUrl"] = form.redirect_url
    for r in results_of_form:
        result: dict[str, Any] = {
            "formResultId": r.number,
            "submitted": r.submitted_ms,
            "answers": r.answers,
            "completed": r.completed,
            "testResult": r.test,
        }
        if r.contact_id is not None:
            result["contactEncryptedId"] = encrypted[r.contact_id]
        out["results"].append(result)
    return out
