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
from spotler_sim.contracts.registry import Registry
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.http import representation
from spotler_sim.http.context import Call, admit, client_base_url

Handler = Callable[[Call], Response]
REGISTRY: Registry[Handler] = Registry(contracts.API, "a module of simulator/spotler_sim/api/")
HANDLERS = REGISTRY.handlers
operation = REGISTRY.operation


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

    blueprint = Blueprint(name, __name__)
    for op, handler in REGISTRY.routes():
        blueprint.add_url_rule(op.flask_rule, op.operation_id, _view(handler), methods=[op.method])
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
