"""Check any request/response exchange with the Spotler API against the contract.

The same checker serves our own test suite (every answer the tests receive is checked) and the
``spotler_contract`` fixture of the pytest plugin, which integrators point at their own traffic.
Routing uses Werkzeug's router built from the contract, so fixed paths win over templated ones
exactly as in the simulator.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule

from spotler_sim import contracts
from spotler_sim.config import FAULT_HEADER
from spotler_sim.domain.faults import CONTRACT_KEEPING
from spotler_sim.errors import SpotlerError
from spotler_sim.http import validation, xmldoc

PREFIX = re.compile(r"^/integrationservice(-1\.1\.0)?(?=/)")


class ContractViolation(AssertionError):
    """An exchange that does not match contracts/openapi.yaml."""


@cache
def _router() -> MapAdapter:
    rules = [
        Rule(op.flask_rule, endpoint=op.operation_id, methods=[op.method])
        for op in contracts.operations().values()
    ]
    return Map(rules, strict_slashes=False).bind("spotler-sim")


def operation_for(method: str, path: str) -> tuple[contracts.Operation, dict[str, str]] | None:
    """The operation a request reaches, and its path arguments; None for no operation."""
    try:
        operation_id, args = _router().match(PREFIX.sub("", path), method=method.upper())
    except RequestRedirect as redirect:
        return operation_for(method, urlsplit(redirect.new_url).path)
    except HTTPException:
        return None
    return contracts.operations()[str(operation_id)], {k: str(v) for k, v in args.items()}


def check_request(
    method: str, url: str, body: bytes | None = None, content_type: str | None = None
) -> contracts.Operation:
    """Raise ContractViolation when a request does not fit its operation's parameters or body."""
    parts = urlsplit(url)
    found = operation_for(method, parts.path)
    if found is None:
        raise ContractViolation(f"{method} {parts.path} is no operation of the Spotler API")
    op, args = found
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    try:
        validation.parameters(op, args, query)
        validation.body(op, body or b"", content_type or "application/json")
    except SpotlerError as refusal:
        raise ContractViolation(f"{op.operation_id}: {refusal.message}") from None
    return op


def check_response(
    method: str, url: str, status: int, content_type: str | None, body: bytes
) -> None:
    """Raise ContractViolation when an answer is not one its operation documents."""
    path = urlsplit(url).path
    found = operation_for(method, path)
    if found is None:
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if not isinstance(document, dict) or set(document) != {"errorType", "message"}:
            raise ContractViolation(f"{method} {path} is no operation, yet did not answer an error")
        return
    op = found[0]
    if status == 204:
        if body:
            raise ContractViolation(f"{op.operation_id} answered 204 with a body")
        return
    media = (content_type or "").split(";")[0].strip()
    if media not in ("application/json", "application/xml"):
        raise ContractViolation(f"{op.operation_id} {status} answered content type {media!r}")
    try:
        validator = contracts.response_validator(op.operation_id, status, media)
    except KeyError as exc:
        raise ContractViolation(str(exc).strip("'\"")) from None
    if validator is None:
        kind = "JSON" if media == "application/json" else "XML"
        raise ContractViolation(f"{op.operation_id} {status} documents no {kind} body")
    document = _json(op, body) if media == "application/json" else _xml(op, status, body)
    errors = list(validator.iter_errors(document))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise ContractViolation(
            f"{op.operation_id} {status} body breaks the contract at {where}: {errors[0].message}"
        )


def _json(op: contracts.Operation, body: bytes) -> Any:
    try:  # strict: NaN and Infinity, which Python would read, are no JSON
        return json.loads(
            body,
            parse_constant=validation.refuse_non_json_constant,
            parse_float=validation.finite_float,
        )
    except ValueError:
        raise ContractViolation(f"{op.operation_id} answered a body that is not JSON") from None


def _xml(op: contracts.Operation, status: int, body: bytes) -> Any:
    """An XML answer read into the document shape its schema describes."""
    schema = contracts.media_schema(op.operation_id, "application/xml", status)
    assert schema is not None  # response_validator found it
    try:
        return xmldoc.parse(body, schema)
    except xmldoc.XmlError as exc:
        raise ContractViolation(
            f"{op.operation_id} answered XML that cannot be read: {exc}"
        ) from None


def check_exchange(response: httpx.Response) -> None:
    """Check an httpx response and the request that produced it (an httpx event hook)."""
    request = response.request
    if not PREFIX.match(request.url.path):
        return
    fault = response.headers.get(FAULT_HEADER)
    if fault is not None and fault.split()[-1] not in CONTRACT_KEEPING:
        return  # shaped by an injected fault: off the contract on purpose
    response.read()
    if operation_for(request.method, request.url.path) is not None and response.status_code < 400:
        check_request(
            request.method, str(request.url), request.content, request.headers.get("content-type")
        )
    check_response(
        request.method,
        str(request.url),
        response.status_code,
        response.headers.get("content-type"),
        response.content,
    )
