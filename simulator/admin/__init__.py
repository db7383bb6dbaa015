"""The /__admin JSON API: accounts, the simulated clock and test data. Loopback only.

Requests are validated against ``contracts/admin.yaml`` the same way the Spotler API is validated
against its contract.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

import contracts
from simulator import validation
from simulator.domain.accounts import patched
from simulator.domain.clock import ClockState, clock_from_request
from simulator.domain.model import Account
from simulator.domain.timewindows import iso_utc
from simulator.errors import SpotlerError
from simulator.services import services
from simulator.store.accounts import all_accounts, authentications, update_account
from simulator.store.contacts import SqliteContacts

admin = Blueprint("admin", __name__, url_prefix="/__admin")


def _route(rule: str, operation_id: str, method: str):  # type: ignore[no-untyped-def]
    return admin.route(rule, methods=[method], endpoint=operation_id)


@admin.before_request
def _loopback_and_contract() -> None:
    address = ipaddress.ip_address((request.remote_addr or "0.0.0.0").split("%")[0])
    if not address.is_loopback:
        raise SpotlerError(
            403,
            "NOT_AUTHORIZED",
            "the admin API answers only on loopback: call it from the machine that runs the simulator",
        )
    op = contracts.operations(contracts.ADMIN).get(str(request.endpoint).rsplit(".", 1)[-1])
    if op is not None:
        g.params = validation.parameters(op, request.view_args or {}, request.args)
        g.body = validation.body(op, request.get_data(cache=True), request.content_type)


def _account_view(conn: Any, account: Account) -> dict[str, Any]:
    count = conn.execute(
        "SELECT count(*) FROM contacts WHERE account_id = ?", (account.id,)
    ).fetchone()[0]
    return {
        "name": account.name,
        "idFields": list(account.id_fields),
        "dedupRules": [list(rule) for rule in account.dedup_rules],
        "visibilityLag": account.lag.to_json(),
        "listShape": account.list_shape,
        "authentications": [
            {"label": a.label, "key": a.key, "secret": a.secret, "idField": a.id_field}
            for a in authentications(conn, account)
        ],
        "contactCount": count,
    }


@_route("/accounts", "listAccounts", "GET")
def list_accounts() -> Response:
    with services().state.db.read() as conn:
        return jsonify([_account_view(conn, a) for a in all_accounts(conn)])


@_route("/accounts", "createAccount", "POST")
def create_account() -> tuple[Response, int]:
    state = services().state
    with state.db.write() as conn:
        account = state.create_account(conn, g.body)
        return jsonify(_account_view(conn, account)), 201


@_route("/accounts/<name>/contacts", "seedContacts", "POST")
def seed_contacts(name: str) -> Response:
    state = services().state
    with state.db.write() as conn:
        account = state.account(conn, name)
        repo = SqliteContacts(conn, account.id)
        state.seed_contacts(repo, account, g.body, state.now_ms(conn))
    return Response(status=204)


@_route("/accounts/<name>", "getAccount", "GET")
def get_account(name: str) -> Response:
    state = services().state
    with state.db.read() as conn:
        return jsonify(_account_view(conn, state.account(conn, name)))


@_route("/accounts/<name>", "patchAccount", "PATCH")
def patch_account(name: str) -> Response:
    state = services().state
    with state.db.write() as conn:
        account = patched(state.account(conn, name), g.body)
        update_account(conn, account)
        return jsonify(_account_view(conn, account))


@_route("/accounts/<name>/bounces", "addBounce", "POST")
def add_bounce(name: str) -> Response:
    state = services().state
    with state.db.write() as conn:
        account = state.account(conn, name)
        state.add_bounce(SqliteContacts(conn, account.id), account, g.body, state.now_ms(conn))
    return Response(status=204)


def _clock_view(clock: ClockState, wall_ms: int) -> dict[str, Any]:
    now = clock.now_ms(wall_ms)
    view: dict[str, Any] = {"mode": clock.mode, "now": iso_utc(now), "nowMs": now}
    if clock.mode == "offset":
        view["offsetSeconds"] = clock.offset_ms / 1000
    return view


@_route("/clock", "getClock", "GET")
def get_clock() -> Response:
    state = services().state
    with state.db.read() as conn:
        return jsonify(_clock_view(state.clock(conn), state.wall_ms()))


@_route("/clock", "setClock", "PUT")
def set_clock() -> Response:
    state = services().state
    clock = clock_from_request(g.body)
    state.set_clock(clock)
    return jsonify(_clock_view(clock, state.wall_ms()))


@_route("/clock/advance", "advanceClock", "POST")
def advance_clock() -> Response:
    state = services().state
    clock = state.advance_clock(float(g.body["seconds"]))
    return jsonify(_clock_view(clock, state.wall_ms()))
