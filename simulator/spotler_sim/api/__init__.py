"""The Spotler REST API: one module of thin handlers per resource, one blueprint for them all.

Every handler is registered under its contract operationId and takes the admitted ``Call``
(see ``spotler_sim.http.context``): the request is authenticated (OAuth 1.0a), fault rules have
had their say and the parameters and body are validated against the contract before it runs;
the handler then only opens the caller's store, calls the domain and answers what comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, request

from spotler_sim import contracts
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.http import representation
from spotler_sim.http.context import Call, admit, client_base_url

Handler = Callable[[Call], Response]
HANDLERS: dict[str, Handler] = {}


def operation(operation_id: str) -> Callable[[Handler], Handler]:
    """Register a handler for a contract operation."""

    def register(handler: Handler) -> Handler:
        if operation_id not in contracts.operations():
            raise KeyError(f"{operation_id} is not an operation of contracts/openapi.yaml")
        HANDLERS[operation_id] = handler
        return handler

    return register


def _view(handler: Handler) -> Callable[..., Response]:
    """The Flask view of a handler: the path arguments are in the ``Call`` already."""

    def view(**_: str) -> Response:
        return handler(g.call)

    return view


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
            f"add an @operation handler for each in a module of simulator/spotler_sim/api/"
        )
    blueprint = Blueprint(name, __name__)
    for operation_id, op in contracts.operations().items():
        blueprint.add_url_rule(
            op.flask_rule, operation_id, _view(HANDLERS[operation_id]), methods=[op.method]
        )
    blueprint.before_request(admit)
    return blueprint


# ---- helpers for handlers ----------------------------------------------------------------------


def page_request(call: Call, default_size: int = 1000) -> PageRequest:
    """The page a list call asks for: ``after`` and ``pageSize`` (``default_size`` without it;
    the contact histories page by 50)."""
    return PageRequest(
        after=call.params.get("after", 0), size=call.params.get("pageSize", default_size)
    )


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
        paging["next"] = f"{client_base_url()}?{urlencode(args, doseq=True)}"
    return answer({"paging": paging, key: items})
