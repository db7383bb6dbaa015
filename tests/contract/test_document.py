"""The contract itself: a valid OpenAPI 3.1 document whose examples fit their own schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from spotler_sim import contracts
from spotler_sim.app import create_app
from spotler_sim.config import Config


@pytest.mark.parametrize("doc", [contracts.API, contracts.ADMIN])
def test_the_document_is_valid_openapi(doc: str) -> None:
    validate(contracts.document(doc), base_uri=Path(str(contracts.path(doc))).as_uri())


def examples(node: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (location of a schema, example of it): schema `examples` and media/parameter `example`."""
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list) and any(
            k in node for k in ("type", "anyOf", "oneOf", "$ref")
        ):
            for example in node["examples"]:
                yield where, example
        if "example" in node and "schema" in node:
            yield (*where, "schema"), node["example"]
        for key, value in node.items():
            yield from examples(value, (*where, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from examples(value, (*where, str(index)))


@pytest.mark.parametrize("doc", [contracts.API, contracts.ADMIN])
def test_every_example_validates_against_its_own_schema(doc: str) -> None:
    found = list(examples(contracts.document(doc)))
    assert len(found) >= 3, "the contract has too few examples to check"
    for where, example in found:
        errors = [e.message for e in contracts.validator_at(*where, doc=doc).iter_errors(example)]
        assert not errors, f"{'/'.join(where)}: {errors}"


def test_operation_ids_are_unique_and_every_one_has_a_handler() -> None:
    ids = [
        op["operationId"]
        for item in contracts.document()["paths"].values()
        for method, op in item.items()
        if method in contracts.HTTP_METHODS
    ]
    assert len(ids) == len(set(ids))
    app = create_app(Config(db_path=":memory:"))
    routed = {rule.endpoint.rsplit(".", 1)[-1] for rule in app.url_map.iter_rules()}
    assert set(ids) <= routed, f"operations without a handler: {set(ids) - routed}"


def test_the_simulator_serves_the_contract_without_auth() -> None:
    app = create_app(Config(db_path=":memory:"))
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == contracts.document()


def test_the_reference_statuses_are_documented_answers() -> None:
    """x-reference-statuses (what the vendor lists; the suite must meet each) name only
    statuses the operation documents."""
    marked = 0
    for item in contracts.document()["paths"].values():
        for method, node in item.items():
            if method in contracts.HTTP_METHODS and "x-reference-statuses" in node:
                marked += 1
                assert {str(s) for s in node["x-reference-statuses"]} <= set(node["responses"])
    assert marked == 51  # the operations whose reference entry lists any status
