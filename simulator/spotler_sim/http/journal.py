"""The journal entry of a call to the API, written after the answer (and before a cut
connection, so whoever sees the reset finds the call in the journal)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flask import Request, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from spotler_sim.domain.journal import JournalLimit
from spotler_sim.errors import SpotlerError
from spotler_sim.http.current import this_request
from spotler_sim.http.faults import api_path
from spotler_sim.state import State
from spotler_sim.store import journal
from spotler_sim.store.held import HeldTransaction

if TYPE_CHECKING:
    from spotler_sim.http.context import Attempt, Call

log = logging.getLogger("spotler_sim.http.journal")

SECRET_HEADERS = ("authorization",)


def record(
    state: State,
    limit: JournalLimit,
    call: Call | Attempt,
    response: Response,
    *,
    dropped: bool,
    refused: Callable[[SpotlerError, Response], Response],
) -> Response:
    """One journal row for this call (clipped and pruned as ``limit`` says), and the answer to
    send. It joins the write transaction the handler holds open, else it writes in one of its
    own. A nonce the call has not spent yet is spent in the same transaction: a replayed call is
    answered (and journaled) as ``refused`` says instead. The journal never breaks an answer:
    when it fails, what the handler wrote still commits."""
    nonce = call.nonce
    held = call.held
    handler_wrote = held.writing
    # Made before the write turn is taken (unless the handler holds it already): the other
    # workers' calls wait on that turn, not on this one's formatting.
    values = journal.prepare(_entry(call, response, dropped), limit)
    try:
        conn = held.write()
        if nonce is not None:
            try:
                nonce.spend(conn)
            except SpotlerError as replay:
                response, dropped = refused(replay, response), False
                call = replace(call, error_type=replay.error_type)
                values = journal.prepare(_entry(call, response, dropped), limit)
        # Each statement of the entry is whole or undone on its own (the insert first, then the
        # prunes, which the next call catches up on): one that fails leaves the handler's work.
        journal.append(conn, values, limit, _simulated_ms(state, held))
        held.commit()
    except Exception:  # the journal must never break an answer
        log.exception("could not record %s %s in the journal", request.method, request.path)
        if handler_wrote and held.writing:
            held.commit()  # the handler's work (and the nonce it spent) stays
        else:
            held.rollback()
        if nonce is not None:  # but the nonce is spent before the answer leaves, alone then
            try:
                nonce.spend_alone(state.db)
            except SpotlerError as replay:
                return refused(replay, response)
    if nonce is not None:
        nonce.spent = True
    return response


def _simulated_ms(state: State, held: HeldTransaction) -> int:
    """When the call happened in simulated time: as the call's last transaction saw the clock
    (read in the journal's own when no transaction did)."""
    return (held.seen_clock or held.clock()).now_ms(state.wall_ms())


def _entry(call: Call | Attempt, response: Response, dropped: bool) -> dict[str, Any]:
    """The call's journal row but its simulated time (``record`` reads that when it writes)."""
    req = this_request()
    caller = call.caller
    fault = call.fault
    status = response.status_code
    body = b"" if dropped or response.is_streamed else response.get_data()
    # errors.error_response names the error type (also of an answer in XML)
    error_type = call.error_type if status >= 400 else None
    if error_type is None and status >= 400 and body:
        try:  # an answer made outside error_response (a dropped connection's stand-in)
            error_type = json.loads(body).get("errorType")
        except (ValueError, AttributeError):
            error_type = None
    headers = {
        k: ("<signed>" if k.lower() in SECRET_HEADERS else v) for k, v in req.headers.items()
    }
    return {
        "wall_ms": int(time.time() * 1000),
        "method": req.method,
        "path": api_path(),
        "query": req.query_string.decode("latin-1"),
        "operation": call.operation.operation_id if call.operation else None,
        "status": None if dropped else status,
        "error_type": error_type,
        "account": caller.account.name if caller else None,
        "key": caller.auth.key if caller else _signed_key(req),
        "label": caller.auth.label if caller else None,
        "fault_id": fault.id if fault else None,
        "fault_effect": fault.kind if fault else None,
        "duration_ms": (time.perf_counter() - call.started) * 1000,
        "request_headers": json.dumps(headers),
        "request_body": _request_body(req),
        "response_body": body.decode("utf-8", "replace"),
        "base_string": call.base_string,
        "response_headers": None if dropped else json.dumps(dict(response.headers)),
        "rate_limit": json.dumps(call.rate.decision.to_json()) if call.rate else None,
    }


def _request_body(req: Request) -> str:
    try:
        return req.get_data(cache=True).decode("utf-8", "replace")
    except RequestEntityTooLarge:
        return f"(not kept: {req.content_length} bytes is over the size limit)"


def _signed_key(req: Request) -> str | None:
    """The Key a refused call named, if it named one (an unsigned call: none to look for)."""
    header = req.headers.get("Authorization", "")
    for part in header.replace("OAuth ", "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "oauth_consumer_key":
            return value.strip('"')
    if not req.query_string:
        return None
    return req.args.get("oauth_consumer_key")
