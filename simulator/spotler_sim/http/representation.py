"""JSON or XML: the representation of an answer, chosen the way the real API chooses it.

The reference lists XML first among the media types of nearly every operation, so a client that
sends no ``Accept`` header (or ``*/*``) is answered in XML: the older forms plugin relies on it.
A client that asks for JSON, as every current client does, gets JSON. Four operations answer
JSON only (the batch insert, the updates and bounces lists, the contact search). Errors follow
the same rule as answers; whatever lies outside an operation of the API (the admin API, an
unknown path) is always JSON.

An answer leaves out every property its schema declares optional and the simulator holds no
value for, rather than answering ``null``: the reference types these properties without null, and
clients generated from it refuse a null string.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from flask import Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from spotler_sim import contracts
from spotler_sim.http import xmldoc
from spotler_sim.http.context import current_operation
from spotler_sim.http.validation import optional_nulls_dropped

XML = "application/xml"
JSON = "application/json"
# JSON as Flask's jsonify writes it outside debug mode (compact, keys in order, ASCII, Flask's
# conversions of dates and the like), with one encoder made once instead of one per answer.
_JSON = json.JSONEncoder(
    ensure_ascii=True, separators=(",", ":"), default=DefaultJSONProvider.default
)


@lru_cache(maxsize=256)  # a client sends the same header on every call: read it once
def prefers_xml(accept: str | None) -> bool:
    """Whether a client sending this ``Accept`` header gets XML (it did not prefer JSON)."""
    return parse_accept_header(accept, MIMEAccept).best_match([XML, JSON]) != JSON


def wants_xml(operation_id: str) -> bool:
    """Whether this request is answered in XML: the operation has an XML form and the client
    did not prefer JSON."""
    if not contracts.answers_xml(operation_id):
        return False
    return prefers_xml(request.headers.get("Accept"))


def error_payload(body: dict[str, Any], *, xml: bool) -> tuple[str, bytes]:
    """The content type and bytes of an ``ErrorResponse``, for refusals made outside Flask
    (before a request could be read whole)."""
    if xml:
        schema = contracts.named({"$ref": "#/components/schemas/ErrorResponse"})
        return XML, xmldoc.dump(body, schema)
    return JSON, json.dumps(body).encode()


def render(document: Any, status: int = 200) -> Response:
    """The answer holding ``document``, in the representation this request gets."""
    op = current_operation()
    if op is not None and (validator := _answer_validator(op.operation_id, status)) is not None:
        document = optional_nulls_dropped(validator, document, refuse_required=False)
    if op is not None and wants_xml(op.operation_id):
        schema = contracts.media_schema(op.operation_id, XML, status)
        if schema is not None:
            return Response(xmldoc.dump(document, schema), status=status, content_type=XML)
    # JSON's type takes no charset: the type as given is the header (a mimetype would be built)
    return Response(_JSON.encode(document) + "\n", status=status, content_type=JSON)


@cache
def _answer_validator(operation_id: str, status: int) -> contracts.Check | None:
    """The validator of an operation's JSON answer of ``status``, or None when it has none."""
    try:
        return contracts.response_validator(operation_id, status)
    except KeyError:
        return None
