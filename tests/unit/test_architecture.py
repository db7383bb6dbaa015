"""Rules of the house that the code must keep."""

from __future__ import annotations

import ast
from pathlib import Path

import contracts
from simulator.app import create_app
from simulator.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_the_domain_imports_nothing_from_flask_or_the_store() -> None:
    for module in (ROOT / "simulator" / "domain").glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("flask", "werkzeug", "simulator.store", "sqlite3")), (
                    f"{module.name} imports {name}"
                )


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
    from simulator.api import HANDLERS

    app = create_app(Config(db_path=str(tmp_path / "s.db")))
    served = {rule.endpoint.rsplit(".", 1)[-1] for rule in app.url_map.iter_rules()}
    assert len(contracts.operations()) == 66  # the reference's 65 and PUT /contact/inactivate
    assert set(contracts.operations()) == set(HANDLERS) <= served


def test_the_demo_fixture_is_valid_against_its_schema() -> None:
    import json

    document = json.loads((ROOT / "fixtures" / "demo.json").read_text())
    errors = list(contracts.schema_validator("Fixture", contracts.ADMIN).iter_errors(document))
    assert errors == []


def test_api_answers_are_rendered_in_one_place() -> None:
    """JSON or XML is chosen by simulator.representation; a handler that called jsonify would
    answer JSON to a client that asked for XML."""
    for module in (ROOT / "simulator" / "api").glob("*.py"):
        assert "jsonify" not in module.read_text(), f"{module.name} renders its own answers"
