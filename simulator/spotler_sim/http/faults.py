"""Fault rules at work on a call: which rules match, which one fires, and its effect.

A rule matches on account and label, which only authentication knows, so matching runs right
after it (see ``context.admit``). Before the handler, a fired rule may answer an error, wait, or
mark the call for a broken answer; after the handler, ``shape()`` breaks the answer as marked.
Effects that break the connection itself (a reset, a lost response) need the server's socket,
which gunicorn hands to the app: the connection is cut only once the journal has the call, so a
client that sees the reset finds the call there.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, request

from spotler_sim.config import API_PREFIXES, FAULT_HEADER
from spotler_sim.contracts import Operation
from spotler_sim.domain import faults as rules_of
from spotler_sim.domain.faults import FaultRule
from spotler_sim.domain.model import Caller
from spotler_sim.errors import SpotlerError
from spotler_sim.store import Database
from spotler_sim.store import faults as fault_store


class DropConnection(Exception):
    """Answer nothing: close the connection with a reset."""


@dataclass(frozen=True)
class Fired:
    rule: FaultRule
    number: int  # the how-manieth match of the rule this call was


def api_path() -> str:
    """The path of this request without the API prefix, e.g. /contact/1001."""
    path: str = request.path
    for prefix in API_PREFIXES:
        if path.startswith(prefix + "/") or path == prefix:
            return path[len(prefix) :] or "/"
    return path


def matching(
    conn: sqlite3.Connection, now_ms: Callable[[], int], caller: Caller, op: Operation
) -> list[FaultRule]:
    """The fault rules that match this call, oldest first (read in the caller's transaction).
    The simulated time is asked for only when there are rules to match."""
    rules = fault_store.rules(conn)
    if not rules:
        return []  # the usual call: no rules at all
    call = rules_of.Call(
        request.method, api_path(), op.path, caller.account.name, caller.auth.label, now_ms()
    )
    return [rule for rule in rules if rule.matches(call)]


def fire(db: Database, rules: list[FaultRule]) -> Fired | None:
    """Count a match of each rule in turn until one fires. Only a call that some rule matches
    takes the write lock: the counters are shared by every worker."""
    if not rules:
        return None
    with db.write() as conn:
        for rule in rules:
            number = fault_store.count_match(conn, rule.id)  # 0: removed meanwhile
            if number and rule.fires(number):
                fault_store.count_fired(conn, rule.id)
                return Fired(rule, number)
    return None


def retry_after(rule: FaultRule) -> int:
    return int(rule.effect.get("retryAfter", 60))


def take_effect(fired: Fired) -> None:
    """The effect of a fired rule before the handler: refuse, wait, or drop the connection.
    Effects on the answer (malformed, lost response) are taken by ``shape()``."""
    rule = fired.rule
    effect = rule.effect
    kind = rule.kind
    if kind == "status":
        status = int(effect.get("status", 503))
        raise SpotlerError(
            status,
            effect.get("errorType", "BACKEND_EXCEPTION"),
            effect.get("message", f"injected fault {rule.id}: the service answered {status}"),
        )
    if kind == "rateLimit":
        raise SpotlerError.too_many_requests(retry_after(rule))
    if kind == "latency":
        time.sleep(rule.latency_seconds(fired.number))
    elif kind == "hang":
        time.sleep(float(effect.get("seconds", 30)))
        raise SpotlerError(503, "BACKEND_EXCEPTION", "the service did not answer in time")
    elif kind == "reset":
        raise DropConnection()


def _socket() -> socket.socket | None:
    sock = request.environ.get("gunicorn.socket")
    return sock if isinstance(sock, socket.socket) else None


def shape(fault: FaultRule | None, response: Response) -> tuple[Response, bool]:
    """The answer as the fired rule breaks it, and whether the connection is to be cut."""
    if fault is None:
        return response, False
    kind = fault.kind
    if kind == "malformed" and response.status_code < 400:
        body = response.get_data()
        response = Response(
            body[: max(1, len(body) // 2)] or b"{", status=200, mimetype="application/json"
        )
    response.headers[FAULT_HEADER] = f"{fault.id} {kind}"
    if kind == "rateLimit" or (kind == "status" and "retryAfter" in fault.effect):
        response.headers["Retry-After"] = str(retry_after(fault))
    if kind == "reset" or (kind == "lostResponse" and response.status_code < 400):
        return _drop(response)
    return response, False


def _drop(response: Response) -> tuple[Response, bool]:
    """Mark the answer to be dropped: the connection is reset once the journal has the call."""
    if _socket() is not None:
        return Response(status=500), True  # never reaches the client: the connection is gone
    # In-process servers have no socket to reset: say so instead of pretending.
    body = {
        "errorType": "BACKEND_EXCEPTION",
        "message": "a connection-breaking fault fired, but this server keeps no socket to "
        "reset: run the simulator with spotler-sim serve to see the reset",
    }
    dropped = Response(json.dumps(body), status=503, mimetype="application/json")
    dropped.headers[FAULT_HEADER] = response.headers[FAULT_HEADER]
    return dropped, False


def cut() -> None:
    """Close the client's connection with a TCP reset."""
    sock = _socket()
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
