"""The /__admin JSON API: accounts, the simulated clock and test data. Loopback only.

Requests are validated against ``contracts/admin.yaml`` the same way the Spotler API is validated
against its contract.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, jsonify, request

from spotler_sim import __version__, contracts
from spotler_sim.admin import reports
from spotler_sim.admin.access import check_access
from spotler_sim.admin.views import (
    account_view,
    auth_view,
    clock_view,
    fault_view,
    journal_filters,
    journal_view,
)
from spotler_sim.config import ADMIN_PREFIX
from spotler_sim.domain import mailings
from spotler_sim.domain.accounts import auth_spec, new_secret, patched
from spotler_sim.domain.clock import clock_from_request
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.errors import SpotlerError
from spotler_sim.fixtures import load, scenario, snapshot
from spotler_sim.http import validation
from spotler_sim.http.context import services
from spotler_sim.store import faults as fault_store
from spotler_sim.store import journal
from spotler_sim.store.accounts import (
    add_authentication,
    all_accounts,
    authentications,
    remove_authentication,
    secret_for,
    set_secret,
    update_account,
)

View = Callable[..., Any]
admin = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX)


def _route(rule: str, operation_id: str, method: str) -> Callable[[View], View]:
    return admin.route(rule, methods=[method], endpoint=operation_id)


@admin.before_request
def _loopback_and_contract() -> None:
    check_access()
    op = contracts.operations(contracts.ADMIN).get(str(request.endpoint).rsplit(".", 1)[-1])
    if op is not None:
        g.params = validation.parameters(op, request.view_args or {}, request.args)
        g.body = validation.body(op, request.get_data(cache=True), request.content_type)


@admin.get("/openapi.json")
def admin_contract() -> Response:
    """The admin API's own contract, browsable at /docs/ beside the Spotler API's."""
    return jsonify(contracts.document(contracts.ADMIN))


@_route("/health", "health", "GET")
def health() -> Response:
    config, state = services().config, services().state
    with state.db.read() as conn:  # ready means the database answers too
        conn.execute("SELECT 1").fetchone()
    return jsonify(
        {
            "ready": True,
            "version": __version__,
            "url": config.root_url,
            "workers": config.workers,
            "database": config.db_path,
            "uptimeSeconds": round(time.time() - config.started_at, 1),
        }
    )


@_route("/reset", "resetAll", "POST")
def reset_all() -> Response:
    return jsonify({"accounts": load.reset_all(services().state)})


@_route("/accounts", "listAccounts", "GET")
def list_accounts() -> Response:
    with services().state.db.read() as conn:
        return jsonify([account_view(conn, a) for a in all_accounts(conn)])


@_route("/accounts", "createAccount", "POST")
def create_account() -> tuple[Response, int]:
    state = services().state
    with state.db.write() as conn:
        account = load.create_account(state, conn, g.body)
        return jsonify(account_view(conn, account)), 201


@_route("/accounts/<name>", "deleteAccount", "DELETE")
def deleteaccount_view(name: str) -> Response:
    services().state.delete_account(name)
    return Response(status=204)


@_route("/accounts/<name>/reset", "resetAccount", "POST")
def resetaccount_view(name: str) -> Response:
    services().state.reset_account(name)
    return Response(status=204)


@_route("/accounts/<name>/authentications", "addAuthentication", "POST")
def add_authentication_view(name: str) -> tuple[Response, int]:
    state = services().state
    with state.db.write() as conn:
        account = state.account(conn, name)
        auth = auth_spec(account.name, account.id_fields, g.body)
        if secret_for(conn, auth.key) is not None:
            raise SpotlerError.invalid_params(
                f"the Key {auth.key!r} is taken: choose another or leave key out to get one"
            )
        if any(a.label == auth.label for a in authentications(conn, account)):
            raise SpotlerError.invalid_params(
                f"account {name!r} has an authentication labelled {auth.label!r} already"
            )
        add_authentication(conn, account.id, auth)
    return jsonify(auth_view(auth)), 201


def _no_auth(name: str, label: str) -> SpotlerError:
    return SpotlerError.resource_not_found(
        f"account {name!r} has no authentication labelled {label!r}: "
        f"GET /__admin/accounts/{name} lists them"
    )


@_route("/accounts/<name>/authentications/<label>", "removeAuthentication", "DELETE")
def remove_authentication_view(name: str, label: str) -> Response:
    state = services().state
    with state.db.write() as conn:
        if not remove_authentication(conn, state.account(conn, name).id, label):
            raise _no_auth(name, label)
    return Response(status=204)


@_route("/accounts/<name>/authentications/<label>/rotate", "rotateSecret", "POST")
def rotate_secret_view(name: str, label: str) -> Response:
    state = services().state
    with state.db.write() as conn:
        account = state.account(conn, name)
        if not set_secret(conn, account.id, label, new_secret()):
            raise _no_auth(name, label)
        auth = next(a for a in authentications(conn, account) if a.label == label)
    return jsonify(auth_view(auth))


@_route("/snapshot", "exportSnapshot", "GET")
def export_snapshot() -> Response:
    state = services().state
    with state.db.read() as conn:
        name = g.params.get("account")
        accounts = [state.account(conn, name)] if name else all_accounts(conn)
        return jsonify({"accounts": [snapshot.snapshot(conn, a) for a in accounts]})


@_route("/snapshot", "loadSnapshot", "POST")
def load_snapshot() -> Response:
    snapshot.load_snapshot(services().state, g.body)
    return Response(status=204)


@_route("/accounts/<name>/contacts", "seedContacts", "POST")
def seed_contacts(name: str) -> Response:
    state = services().state
    with state.named_store(name, write=True) as (account, store, now):
        load.seed_contacts(store.contacts, account, g.body, now)
    return Response(status=204)


@_route("/accounts/<name>", "getAccount", "GET")
def get_account(name: str) -> Response:
    state = services().state
    with state.db.read() as conn:
        return jsonify(account_view(conn, state.account(conn, name)))


@_route("/accounts/<name>", "patchAccount", "PATCH")
def patch_account(name: str) -> Response:
    state = services().state
    with state.db.write() as conn:
        account = patched(state.account(conn, name), g.body)
        update_account(conn, account)
        return jsonify(account_view(conn, account))


@_route("/accounts/<name>/bounces", "addBounce", "POST")
def add_bounce(name: str) -> Response:
    state = services().state
    with state.named_store(name, write=True) as (account, store, now):
        load.add_bounce(store.contacts, account, g.body, now)
    return Response(status=204)


@_route("/mailings/<encryptedId>/send", "sendMailing", "POST")
def send_mailing(**_: str) -> Response:
    state = services().state
    with state.named_store(g.body["account"], write=True) as (account, store, now):
        result = mailings.send(
            store.mailings, store.contacts, account, g.params["encryptedId"], g.body, now
        )
    return jsonify(result)


@_route("/scenario", "applyScenario", "POST")
def apply_scenario() -> Response:
    return jsonify(scenario.apply_scenario(services().state, g.body))


@_route("/clock", "getClock", "GET")
def get_clock() -> Response:
    state = services().state
    with state.db.read() as conn:
        return jsonify(clock_view(state.clock(conn), state.wall_ms()))


@_route("/clock", "setClock", "PUT")
def set_clock() -> Response:
    state = services().state
    clock = clock_from_request(g.body)
    state.set_clock(clock)
    return jsonify(clock_view(clock, state.wall_ms()))


@_route("/clock/advance", "advanceClock", "POST")
def advance_clock() -> Response:
    state = services().state
    clock = state.advance_clock(float(g.body["seconds"]))
    return jsonify(clock_view(clock, state.wall_ms()))


# ---- faults ----------------------------------------------------------------------------------


@_route("/faults", "listFaults", "GET")
def list_faults() -> Response:
    with services().state.db.read() as conn:
        return jsonify([fault_view(*row) for row in fault_store.all_faults(conn)])


@_route("/faults", "addFault", "POST")
def add_fault() -> tuple[Response, int]:
    state = services().state
    with state.db.write() as conn:
        fault_id = scenario.add_fault(conn, g.body)
    return jsonify(fault_view(fault_id, g.body, 0, 0)), 201


@_route("/faults", "clearFaults", "DELETE")
def clear_faults() -> Response:
    with services().state.db.write() as conn:
        fault_store.clear_faults(conn)
    return Response(status=204)


@_route("/faults/<int:id>", "removeFault", "DELETE")
def remove_fault(id: int) -> Response:
    with services().state.db.write() as conn:
        if not fault_store.delete_fault(conn, id):
            raise SpotlerError.resource_not_found(
                f"no fault rule {id}: GET /__admin/faults lists the rules"
            )
    return Response(status=204)


# ---- the request journal -----------------------------------------------------------------------


@_route("/requests", "listRequests", "GET")
def list_requests() -> Response:
    page = PageRequest(after=g.params["after"], size=g.params["pageSize"])
    with services().state.db.read() as conn:
        rows = journal.entries(conn, journal_filters(g.params), page.after, page.fetch)
    result = Page.cut(rows, page)
    paging: dict[str, Any] = {"after": result.after}
    if result.has_more:
        args = request.args.to_dict()
        args["after"] = str(result.after)
        paging["next"] = f"{request.base_url}?{urlencode(args)}"
    return jsonify({"paging": paging, "requests": [journal_view(r) for r in result.items]})


@_route("/requests/count", "countRequests", "GET")
def count_requests() -> Response:
    with services().state.db.read() as conn:
        return jsonify({"count": journal.count(conn, journal_filters(g.params))})


@_route("/requests", "clearRequests", "DELETE")
def clear_requests() -> Response:
    with services().state.db.write() as conn:
        journal.clear(conn)
    return Response(status=204)


# ---- verdicts ----------------------------------------------------------------------------------


@_route("/verdicts", "listVerdicts", "GET")
def list_verdicts() -> Response:
    state = services().state
    with state.db.read() as conn:
        if g.params.get("account"):
            state.account(conn, g.params["account"])  # an unknown account is a 404, not []
        return jsonify([v.to_json() for v in reports.verdicts(conn, g.params)])


@_route("/exposure", "getExposure", "GET")
def get_exposure() -> Response:
    state = services().state
    with state.db.read() as conn:
        if g.params.get("account"):
            state.account(conn, g.params["account"])
        return jsonify(reports.exposure(conn, g.params.get("account")))
