"""The /__admin JSON API: accounts, the simulated clock, test data, faults and the journal.

Routed like the Spotler API: every handler is registered under its operationId of
``contracts/admin.yaml`` (start-up fails while one is missing) and takes the request's
parameters and body, validated against that contract; it calls a verb of ``actions.py`` (which
the dashboard shares) and answers JSON. Loopback only, or with the admin token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from spotler_sim import contracts
from spotler_sim.admin import actions
from spotler_sim.admin.access import check_access
from spotler_sim.config import ADMIN_PREFIX
from spotler_sim.contracts import Operation
from spotler_sim.contracts.registry import Registry
from spotler_sim.http import validation
from spotler_sim.http.context import services
from spotler_sim.state import State


@dataclass(frozen=True)
class AdminCall:
    """One call to the admin API: the state, and its parameters and body as the admin
    contract validated them."""

    state: State
    params: Mapping[str, Any]
    body: Any


Handler = Callable[[AdminCall], ResponseReturnValue]
REGISTRY: Registry[Handler] = Registry(contracts.ADMIN, "simulator/spotler_sim/admin/api.py")
operation = REGISTRY.operation


def _view(op: Operation, handler: Handler) -> Callable[..., ResponseReturnValue]:
    def view(**_: str) -> ResponseReturnValue:
        call = AdminCall(
            services().state,
            validation.parameters(op, request.view_args or {}, request.args),
            validation.body(op, request.get_data(cache=True), request.content_type),
        )
        return handler(call)

    return view


def build_blueprint() -> Blueprint:
    blueprint = Blueprint("admin", __name__)
    for op, handler in REGISTRY.routes():
        blueprint.add_url_rule(
            op.flask_rule, op.operation_id, _view(op, handler), methods=[op.method]
        )
    blueprint.add_url_rule(f"{ADMIN_PREFIX}/openapi.json", "admin_contract", _admin_contract)
    blueprint.before_request(check_access)
    return blueprint


def _admin_contract() -> Response:
    """The admin API's own contract, browsable at /docs/ beside the Spotler API's."""
    return jsonify(contracts.document(contracts.ADMIN))


def no_content() -> Response:
    return Response(status=204)


@operation("health")
def health(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.health(services().config, call.state))


# ---- accounts --------------------------------------------------------------------------------


@operation("listAccounts")
def list_accounts(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.list_accounts(call.state))


@operation("createAccount")
def create_account(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.create_account(call.state, call.body)), 201


@operation("getAccount")
def get_account(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.get_account(call.state, call.params["name"]))


@operation("patchAccount")
def patch_account(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.patch_account(call.state, call.params["name"], call.body))


@operation("deleteAccount")
def delete_account(call: AdminCall) -> ResponseReturnValue:
    actions.delete_account(call.state, call.params["name"])
    return no_content()


@operation("resetAll")
def reset_all(call: AdminCall) -> ResponseReturnValue:
    return jsonify({"accounts": actions.reset_all(call.state)})


@operation("resetAccount")
def reset_account(call: AdminCall) -> ResponseReturnValue:
    actions.reset_account(call.state, call.params["name"])
    return no_content()


@operation("addAuthentication")
def add_authentication(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.add_authentication(call.state, call.params["name"], call.body)), 201


@operation("removeAuthentication")
def remove_authentication(call: AdminCall) -> ResponseReturnValue:
    actions.remove_authentication(call.state, call.params["name"], call.params["label"])
    return no_content()


@operation("rotateSecret")
def rotate_secret(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.rotate_secret(call.state, call.params["name"], call.params["label"]))


# ---- test data -------------------------------------------------------------------------------


@operation("exportSnapshot")
def export_snapshot(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.export_snapshot(call.state, call.params.get("account")))


@operation("loadSnapshot")
def load_snapshot(call: AdminCall) -> ResponseReturnValue:
    actions.load_snapshot(call.state, call.body)
    return no_content()


@operation("seedContacts")
def seed_contacts(call: AdminCall) -> ResponseReturnValue:
    actions.seed_contacts(call.state, call.params["name"], call.body)
    return no_content()


@operation("addBounce")
def add_bounce(call: AdminCall) -> ResponseReturnValue:
    actions.add_bounce(call.state, call.params["name"], call.body)
    return no_content()


@operation("sendMailing")
def send_mailing(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.send_mailing(call.state, call.params["encryptedId"], call.body))


@operation("applyScenario")
def apply_scenario(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.apply_scenario(call.state, call.body))


# ---- the clock -------------------------------------------------------------------------------


@operation("getClock")
def get_clock(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.get_clock(call.state))


@operation("setClock")
def set_clock(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.set_clock(call.state, call.body))


@operation("advanceClock")
def advance_clock(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.advance_clock(call.state, float(call.body["seconds"])))


# ---- faults ----------------------------------------------------------------------------------


@operation("listFaults")
def list_faults(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.list_faults(call.state))


@operation("addFault")
def add_fault(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.add_fault(call.state, call.body)), 201


@operation("clearFaults")
def clear_faults(call: AdminCall) -> ResponseReturnValue:
    actions.clear_faults(call.state)
    return no_content()


@operation("removeFault")
def remove_fault(call: AdminCall) -> ResponseReturnValue:
    actions.remove_fault(call.state, call.params["id"])
    return no_content()


# ---- verdicts -------------------------------------------------------------------------------


@operation("listVerdicts")
def list_verdicts(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.list_verdicts(call.state, dict(call.params)))


@operation("getExposure")
def get_exposure(call: AdminCall) -> ResponseReturnValue:
    return jsonify(actions.exposure(call.state, call.params.get("account")))


# ---- the request journal ---------------------------------------------------------------------


@operation("listRequests")
def list_requests(call: AdminCall) -> ResponseReturnValue:
    entries, page = actions.list_requests(call.state, dict(call.params))
    paging: dict[str, Any] = {"after": page.after}
    if page.has_more:
        args = request.args.to_dict()
        args["after"] = str(page.after)
        paging["next"] = f"{request.base_url}?{urlencode(args)}"
    return jsonify({"paging": paging, "requests": entries})


@operation("countRequests")
def count_requests(call: AdminCall) -> ResponseReturnValue:
    return jsonify({"count": actions.count_requests(call.state, dict(call.params))})


@operation("clearRequests")
def clear_requests(call: AdminCall) -> ResponseReturnValue:
    actions.clear_requests(call.state)
    return no_content()
