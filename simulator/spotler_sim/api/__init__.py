"""The Spotler REST API: one module of thin handlers per resource, one blueprint for them all.

Every handler is registered under its contract operationId. Before it runs, the request is
authenticated (OAuth 1.0a) and validated against the contract; the handler then only calls the
domain and serializes what comes back.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, request

from spotler_sim import contracts
from spotler_sim.config import API_PREFIXES
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.errors import SpotlerError
from spotler_sim.http import representation, traffic, validation
from spotler_sim.http.auth import AuthFailure
from spotler_sim.http.context import services
from spotler_sim.store.contacts import SqliteContacts

log = logging.getLogger("spotler_sim.http.auth")

View = Callable[..., Response]
HANDLERS: dict[str, View] = {}


def operation(operation_id: str) -> Callable[[View], View]:
    """Register a handler for a contract operation."""

    def register(view: View) -> View:
        if operation_id not in contracts.operations():
            raise KeyError(f"{operation_id} is not an operation of contracts/openapi.yaml")
        HANDLERS[operation_id] = view
        return view

    return register


def build_blueprint(name: str) -> Blueprint:
    # Importing a resource module registers its handlers.
    from spotler_sim.api import (  # noqa: F401
        audiences,
        campaigns,
        contacts,
        conversions,
        forms,
        mailings,
        orders,
        products,
        reports,
        subscriptions,
        templists,
    )

    missing = sorted(set(contracts.operations()) - set(HANDLERS))
    if missing:
        raise RuntimeError(
            f"operations of contracts/openapi.yaml without a handler: {', '.join(missing)}; "
            f"add an @operation handler for each in a module of simulator/api/"
        )
    blueprint = Blueprint(name, __name__)
    for operation_id, op in contracts.operations().items():
        blueprint.add_url_rule(
            op.flask_rule, operation_id, HANDLERS[operation_id], methods=[op.method]
        )
    blueprint.before_request(_authenticate_and_validate)
    return blueprint


def signed_uri() -> str:
    """The URI as the client sent (and signed) it, before any rewriting of the path."""
    return f"{request.scheme}://{request.host}{request.environ['spotler.raw_uri']}"


def _authenticate_and_validate() -> Response | None:
    if request.method == "OPTIONS":  # nothing to sign or change
        return _options()
    g.op = contracts.operations()[str(request.endpoint).rsplit(".", 1)[-1]]
    svc = services()
    try:
        key = svc.verifier.verify(
            request.method, signed_uri(), dict(request.headers), request.get_data(cache=True)
        )
    except AuthFailure as failure:
        if failure.base_string:
            log.debug("refused signature; server base string: %s", failure.base_string)
        g.auth_failure = failure
        raise SpotlerError(401, failure.error_type, failure.message) from None
    with svc.state.db.read() as conn:
        caller = svc.state.caller(conn, key)
        if caller is None:  # the key was removed between the two reads
            raise SpotlerError(401, "AUTH_NOT_FOUND", f"the key {key!r} no longer exists")
        g.caller = caller
        faults = traffic.matching_faults(conn, caller, g.op)
    traffic.apply_faults(faults)
    g.params = validation.parameters(g.op, request.view_args or {}, request.args)
    g.body = validation.body(g.op, request.get_data(cache=True), request.content_type)
    return None


def _options() -> Response:
    """The methods the contract serves at this path (Flask's own answer would also list those
    of ``/contact/{id}`` at ``/contact/list``)."""
    path = request.path
    for prefix in API_PREFIXES:
        if path.startswith(prefix + "/"):
            path = path[len(prefix) :]
            break
    return Response(status=200, headers={"Allow": ", ".join(contracts.allowed_methods(path))})


# ---- helpers for handlers ----------------------------------------------------------------------


@contextmanager
def transaction(*, write: bool) -> Iterator[tuple[sqlite3.Connection, int]]:
    """One transaction over the caller's state, and the simulated time of the call."""
    state = services().state
    with state.db.write() if write else state.db.read() as conn:
        yield conn, state.now_ms(conn)


@contextmanager
def reading() -> Iterator[sqlite3.Connection]:
    """A read transaction over the caller's state, for reads that need no clock."""
    with services().state.db.read() as conn:
        yield conn


@contextmanager
def contact_reader() -> Iterator[SqliteContacts]:
    """The caller's contacts in a read transaction."""
    with reading() as conn:
        yield SqliteContacts(conn, g.caller.account.id)


@contextmanager
def contact_repo(*, write: bool) -> Iterator[tuple[SqliteContacts, int]]:
    """The caller's contacts inside one transaction, and the simulated time of the call."""
    with transaction(write=write) as (conn, now):
        yield SqliteContacts(conn, g.caller.account.id), now


def page_request(default_size: int = 1000) -> PageRequest:
    """The page a list call asks for: ``after`` and ``pageSize`` (``default_size`` without it;
    the contact histories page by 50)."""
    return PageRequest(after=g.params.get("after", 0), size=g.params.get("pageSize", default_size))


def no_content() -> Response:
    return Response(status=204)


def answer(document: Any, status: int = 200) -> Response:
    """An answer holding ``document``, in JSON or XML as the client asks (see representation)."""
    return representation.render(document, status)


def paged(items: list[Any], page: Page, key: str, *, bare: bool = False) -> Response:
    """A page in the API's ``{paging, <key>}`` shape (or the bare list when asked)."""
    if bare:
        return answer(items)
    paging: dict[str, Any] = {"after": page.after}
    if page.has_more:
        args = request.args.to_dict(flat=False)
        args["after"] = [str(page.after)]
        paging["next"] = f"{request.base_url}?{urlencode(args, doseq=True)}"
    return answer({"paging": paging, key: items})
