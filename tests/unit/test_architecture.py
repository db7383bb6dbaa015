"""Rules of the house that the code must keep."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spotler_sim import contracts
from spotler_sim.api import HANDLERS
from spotler_sim.app import create_app
from spotler_sim.config import Config

ROOT = Path(__file__).resolve().parents[2]
SIMULATOR = ROOT / "simulator" / "spotler_sim"
CONNECTOR = ROOT / "client" / "spotler_connector"


def imported_names(folder: Path) -> Iterator[tuple[str, str]]:
    """(module file, imported module name) for every import below ``folder``."""
    for module in folder.rglob("*.py"):
        yield from imported_names_of(module)


def imported_names_of(module: Path) -> Iterator[tuple[str, str]]:
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            yield from ((module.name, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield module.name, node.module or ""


def test_the_domain_imports_nothing_from_flask_or_the_store() -> None:
    for module, name in imported_names(SIMULATOR / "domain"):
        assert not name.startswith(("flask", "werkzeug", "spotler_sim.store", "sqlite3")), (
            f"{module} imports {name}"
        )


def test_handlers_reach_the_store_only_through_the_call() -> None:
    """Handlers open the caller's AccountStore with ``call.store(...)``: no handler builds a
    repository, so the storage engine can change without touching api/."""
    found = list(imported_names(SIMULATOR / "api"))
    assert len(found) > 30  # the walk really read the handlers
    for module, name in found:
        assert not name.startswith(("spotler_sim.store", "sqlite3")), f"{module} imports {name}"


def test_handlers_read_nothing_from_flask_g() -> None:
    """The admitted Call is the handler's argument; no step hands data over in flask.g."""
    for module in (SIMULATOR / "api").glob("*.py"):
        tree = ast.parse(module.read_text())
        names = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "flask"
            for alias in node.names
        ]
        if module.name != "__init__.py":
            assert "g" not in names, f"{module.name} reads flask.g"


def test_the_connector_imports_nothing_of_the_simulator() -> None:
    """The reference connector is what integrators copy: it must stand alone."""
    found = list(imported_names(CONNECTOR))
    assert len(found) > 50  # the walk really read the connector
    for module, name in found:
        assert not name.startswith("spotler_sim"), f"{module} imports {name}"


def test_only_our_two_packages_are_installed_as_import_names() -> None:
    """Generic names such as client or simulator would shadow a user's own modules."""
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    find = pyproject["tool"]["setuptools"]["packages"]["find"]
    tops = {p.parent.name for where in find["where"] for p in (ROOT / where).glob("*/__init__.py")}
    assert tops == {"spotler_sim", "spotler_connector"}
    assert find["include"] == ["spotler_sim*", "spotler_connector*"]


def test_fixed_paths_win_over_templated_ones(tmp_path: Path) -> None:
    app = create_app(Config(db_path=str(tmp_path / "s.db")))
    adapter = app.url_map.bind("localhost")
    prefix = "/integrationservice-1.1.0"
    assert adapter.match(f"{prefix}/contact/updates/list", "GET")[0].endswith(
        "getUpdatedContactsJson"
    )
    assert adapter.match(f"{prefix}/contact/bounces/list", "GET")[0].endswith(
        "getBouncedContactsJson"
    )
    assert adapter.match(f"{prefix}/contact/properties/list", "GET")[0].endswith(
        "getContactProperties"
    )
    assert adapter.match(f"{prefix}/contact/search", "GET")[0].endswith("searchContactsJson")
    assert adapter.match(f"{prefix}/contact/1001", "GET")[0].endswith("getContact")


def test_every_operation_of_the_contract_has_a_handler_of_its_own(tmp_path: Path) -> None:
    app = create_app(Config(db_path=str(tmp_path / "s.db")))
    served = {rule.endpoint.rsplit(".", 1)[-1] for rule in app.url_map.iter_rules()}
    assert len(contracts.operations()) == 66  # the reference's 65 and PUT /contact/inactivate
    assert set(contracts.operations()) == set(HANDLERS) <= served


def test_the_api_blueprint_is_registered_once(tmp_path: Path) -> None:
    """One URL rule per operation: the older /integrationservice/ prefix is mapped onto the
    current one before routing (app.RawPathMiddleware), not served by a second blueprint."""
    app = create_app(Config(db_path=str(tmp_path / "s.db")))
    api_rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[-1] in HANDLERS]
    assert sorted(r.endpoint for r in api_rules) == sorted(f"api.{o}" for o in HANDLERS)


def test_every_admin_operation_is_routed_to_its_handler(tmp_path: Path) -> None:
    from spotler_sim.admin.api import REGISTRY

    app = create_app(Config(db_path=str(tmp_path / "s.db")))
    admin_ops = contracts.operations(contracts.ADMIN)
    routed = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert set(REGISTRY.handlers) == set(admin_ops)
    for operation_id in admin_ops:  # each by one rule (beside them: the admin contract itself)
        assert routed.count(f"admin.{operation_id}") == 1, operation_id


def test_start_up_fails_while_a_contract_operation_has_no_handler() -> None:
    from spotler_sim.admin.api import REGISTRY
    from spotler_sim.contracts.registry import Registry

    partial: Registry[Any] = Registry(contracts.ADMIN, "admin/api.py")
    for operation_id, handler in REGISTRY.handlers.items():
        if operation_id != "advanceClock":
            partial.operation(operation_id)(handler)
    with pytest.raises(RuntimeError, match="advanceClock"):
        list(partial.routes())
    with pytest.raises(KeyError, match="noSuchOperation"):
        partial.operation("noSuchOperation")(lambda call: None)


def test_the_admin_api_and_the_dashboard_change_state_only_through_the_actions() -> None:
    """Both call admin/actions.py, so the JSON API and the page cannot drift apart."""
    for module in ("api.py", "dashboard.py"):
        for _, name in imported_names_of(SIMULATOR / "admin" / module):
            assert not name.startswith(("spotler_sim.store", "spotler_sim.fixtures")), (
                f"admin/{module} imports {name}"
            )


def test_the_demo_fixture_is_valid_against_its_schema() -> None:
    import json

    document = json.loads((ROOT / "fixtures" / "demo.json").read_text())
    errors = list(contracts.schema_validator("Fixture", contracts.ADMIN).iter_errors(document))
    assert errors == []


def test_api_answers_are_rendered_in_one_place() -> None:
    """JSON or XML is chosen by spotler_sim.http.representation; a handler that called jsonify would
    answer JSON to a client that asked for XML."""
    for module in (SIMULATOR / "api").glob("*.py"):
        assert "jsonify" not in module.read_text(), f"{module.name} renders its own answers"
