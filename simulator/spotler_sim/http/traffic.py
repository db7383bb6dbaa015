"""What happens around every call to the Spotler API: fault rules fire, the journal records.

Order of a call: authenticate, then the fault rules (a rule may answer an error, wait, or mark
the call for a broken answer), then validation and the handler, then the journal entry. Effects
that break the connection itself (a reset, a lost response) need the server's socket, which
gunicorn hands to the app; the change of a lost response is committed before the drop.
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import struct
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from spotler_sim import contracts
from spotler_sim.config import API_PREFIXES, FAULT_HEADER
from spotler_sim.domain.faults import Call, FaultRule
from spotler_sim.domain.model import Caller
from spotler_sim.errors import SpotlerError
from spotler_sim.http.context import services
from spotler_sim.store import faults as fault_store
from spotler_sim.store import journal

log = logging.getLogger("spotler_sim.http.traffic")

SECRET_HEADERS = ("authorization",)


class DropConnection(Exception):
    """Answer nothing: close the connection with a reset."""


def _is_api_call() -> bool:
    return request.path.startswith(API_PREFIXES)


def _api_path() -> str:
    for prefix in API_PREFIXES:
        if request.path.startswith(prefix + "/") or request.path == prefix:
            return request.path[len(prefix) :] or "/"
    return request.path


def matching_faults(
    conn: sqlite3.Connection, caller: Caller, op: contracts.Operation
) -> list[FaultRule]:
    """The fault rules that match this call, oldest first (read in the caller's transaction)."""
    documents = fault_store.all_faults(conn)
    if not documents:
        return []  # the usual call: no rules at all
    state = services().state
    call = Call(
        request.method, _api_path(), op.path, caller.account.name, caller.auth.label,
        state.now_ms(conn),
    )  # fmt: skip
    rules = (FaultRule.from_document(i, doc) for i, doc, _, _ in documents)
    return [rule for rule in rules if rule.matches(call)]


def apply_faults(rules: list[FaultRule]) -> None:
    """Count a match of each rule in turn until one fires, and take its effect. Only a call
    that some rule matches takes the write lock: the counters are shared by every worker."""
    if not rules:
        return
    fired: tuple[FaultRule, int] | None = None
    with services().state.db.write() as conn:
        for rule in rules:
            number = fault_store.count_match(conn, rule.id)  # 0: removed meanwhile
            if number and rule.fires(number):
                fault_store.count_fired(conn, rule.id)
                fired = (rule, number)
                break
    if fired is not None:
        _take_effect(*fired)


def _take_effect(rule: FaultRule, number: int) -> None:
    g.fault = rule
    effect = rule.effect
    kind = rule.kind
    if kind == "status":
        status = int(effect.get("status", 503))
        if "retryAfter" in effect:
            g.retry_after = int(effect["retryAfter"])
        raise SpotlerError(
            status,
            effect.get("errorType", "BACKEND_EXCEPTION"),
            effect.get("message", f"injected fault {rule.id}: the service answered {status}"),
        )
    if kind == "rateLimit":
        g.retry_after = int(effect.get("retryAfter", 60))
        raise SpotlerError(
            429, "INVALID_STATE", f"too many requests: retry after {g.retry_after} seconds"
        )
    if kind == "latency":
        time.sleep(rule.latency_seconds(number))
    elif kind == "hang":
        time.sleep(float(effect.get("seconds", 30)))
        raise SpotlerError(503, "BACKEND_EXCEPTION", "the service did not answer in time")
    elif kind == "reset":
        raise DropConnection()
    elif kind == "malformed":
        g.malformed = True
    elif kind == "lostResponse":
        g.lost_response = True


def _socket() -> socket.socket | None:
    sock = request.environ.get("gunicorn.socket")
    return sock if isinstance(sock, socket.socket) else None


def _reset(sock: socket.socket) -> None:
    """Close the client's connection with a TCP reset."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _drop(response: Response) -> Response:
    """Mark the answer to be dropped: the connection is reset once the journal has the call, so
    whoever sees the reset finds it there."""
    if _socket() is not None:
        g.dropped = True
        return Response(status=500)  # never reaches the client: the connection is gone
    # In-process servers have no socket to reset: say so instead of pretending.
    body = {
        "errorType": "BACKEND_EXCEPTION",
        "message": "a connection-breaking fault fired, but this server keeps no socket to "
        "reset: run the simulator with spotler-sim serve to see the reset",
    }
    g.dropped = False
    return Response(json.dumps(body), status=503, mimetype="application/json")


def _finish(response: Response) -> Response:
    if not _is_api_call():
        return response
    if getattr(g, "malformed", False) and response.status_code < 400:
        body = response.get_data()
        response = Response(
            body[: max(1, len(body) // 2)] or b"{", status=200, mimetype="application/json"
        )
    fault: FaultRule | None = getattr(g, "fault", None)
    if fault is not None:
        response.headers[FAULT_HEADER] = f"{fault.id} {fault.kind}"
    if getattr(g, "retry_after", None) is not None:
        response.headers["Retry-After"] = str(g.retry_after)
    if getattr(g, "lost_response", False) and response.status_code < 400:
        response = _drop(response)
    _record(response)
    if getattr(g, "dropped", False) and (sock := _socket()) is not None:
        _reset(sock)
    return response


def _record(response: Response) -> None:
    try:
        state = services().state
        caller = getattr(g, "caller", None)
        fault: FaultRule | None = getattr(g, "fault", None)
        failure = getattr(g, "auth_failure", None)
        dropped = getattr(g, "dropped", False)
        body = b"" if dropped or response.is_streamed else response.get_data()
        error_type = g.get("error_type") if response.status_code >= 400 else None
        if error_type is None and response.status_code >= 400 and body:
            try:  # an answer made outside error_response (a dropped connection's stand-in)
                error_type = json.loads(body).get("errorType")
            except (ValueError, AttributeError):
                error_type = None
        headers = {
            k: ("<signed>" if k.lower() in SECRET_HEADERS else v)
            for k, v in request.headers.items()
        }
        with state.db.write() as conn:
            journal.record(
                conn,
                {
                    "wall_ms": int(time.time() * 1000),
                    "sim_ms": state.now_ms(conn),
                    "method": request.method,
                    "path": _api_path(),
                    "query": request.query_string.decode("latin-1"),
                    "operation": op.operation_id if (op := g.get("op")) else None,
                    "status": None if dropped else response.status_code,
                    "error_type": error_type,
                    "account": caller.account.name if caller else None,
                    "key": caller.auth.key if caller else _signed_key(),
                    "label": caller.auth.label if caller else None,
                    "fault_id": fault.id if fault else None,
                    "fault_effect": fault.kind if fault else None,
                    "duration_ms": (time.perf_counter() - g.get("started", time.perf_counter()))
                    * 1000,
                    "request_headers": json.dumps(headers),
                    "request_body": _request_body(),
                    "response_body": body.decode("utf-8", "replace"),
                    "base_string": failure.base_string if failure else None,
                    "response_headers": None if dropped else json.dumps(dict(response.headers)),
                },
                services().config.journal_limit,
            )
    except Exception:  # the journal must never break an answer
        log.exception("could not record %s %s in the journal", request.method, request.path)


def _request_body() -> str:
    try:
        return request.get_data(cache=True).decode("utf-8", "replace")
    except RequestEntityTooLarge:
        return f"(not kept: {request.content_length} bytes is over the size limit)"


def _signed_key() -> str | None:
    header = request.headers.get("Authorization", "")
    for part in header.replace("OAuth ", "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "oauth_consumer_key":
            return value.strip('"')
    return request.args.get("oauth_consumer_key")


def _start() -> None:
    g.started = time.perf_counter()


def _dropped(_: DropConnection) -> Response:
    return _drop(Response(status=500))


def register(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.register_error_handler(DropConnection, _dropped)
