"""Every answer's scalar types are the reference's: the contract's answer schemas against the
vendor's Swagger 1.2 (its facts are kept in ``reference_types.json``), and live answers against
the contract.

Real clients are generated from the vendor's description: a TypeScript client declares ``price``
a string, a pydantic model refuses ``externalId: null`` for a ``str``. So an answer may leave an
optional property out, but a property it holds has the reference's type, never ``null``. Where the
contract departs on purpose (public clients read the value otherwise), the schema says why in
``x-reference-departure``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spotler_sim import contracts

FACTS = json.loads((Path(__file__).parent / "reference_types.json").read_text(encoding="utf-8"))
MODELS: dict[str, Any] = FACTS["models"]
SCALARS = {"string": "string", "date-time": "string", "integer": "integer", "number": "number"}
SCALARS["boolean"] = "boolean"


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def _contract_operations() -> dict[str, contracts.Operation]:
    return {f"{op.method} {_template(op.path)}": op for op in contracts.operations().values()}


def _answers() -> Iterator[tuple[str, contracts.Operation, dict[str, Any]]]:
    ours = _contract_operations()
    for key, answer in FACTS["operations"].items():
        method, path = key.split(" ", 1)
        op = ours.get(f"{method} {_template(path)}")
        assert op is not None, f"the reference's {key} has no operation in the contract"
        yield key, op, answer


def _kinds(schema: Any) -> set[str]:
    """The JSON types a contract schema allows, through $ref, allOf, anyOf and oneOf."""
    schema = contracts.resolve(schema) if isinstance(schema, dict) else {}
    found: set[str] = set()
    kinds = schema.get("type")
    if kinds is not None:
        found |= {kinds} if isinstance(kinds, str) else set(kinds)
    elif "enum" in schema:
        found |= {_json_type(v) for v in schema["enum"]}
    for key in ("anyOf", "oneOf"):
        for member in schema.get(key, ()):
            found |= _kinds(member)
    for member in schema.get("allOf", ()):
        found |= _kinds(member) - {"object"} if "type" in schema else _kinds(member)
    return found


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "integer" if isinstance(value, int) else "string"


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    schema = contracts.resolve(schema)
    found = dict(schema.get("properties", {}))
    for member in schema.get("allOf", ()):
        found.update(_properties(member))
    return found


def _drift(reference: dict[str, Any], schema: dict[str, Any], where: str) -> Iterator[str]:
    """Where the contract's schema answers other types than the reference's property type."""
    node = contracts.resolve(schema)
    if "x-reference-departure" in node:
        return
    alternatives = node.get("oneOf", [])
    kept = [m for m in alternatives if "x-reference-departure" not in contracts.resolve(m)]
    if len(kept) == 1 < len(alternatives):  # the others depart on purpose
        yield from _drift(reference, kept[0], where)
        return
    kind = reference.get("$ref") or reference.get("type")
    if kind == "array":
        if _kinds(schema) != {"array"}:
            yield f"{where}: the reference answers an array, the contract {sorted(_kinds(schema))}"
            return
        item = contracts.resolve(schema).get("items", {})
        yield from _drift(reference["items"], item, f"{where}[]")
    elif kind in MODELS or str(kind).startswith("Map["):
        if _kinds(schema) != {"object"}:
            yield f"{where}: the reference answers an object, the contract {sorted(_kinds(schema))}"
            return
        ours = _properties(schema)
        for name, prop in MODELS.get(kind, {}).get("properties", {}).items():
            if name in ours:
                yield from _drift(prop, ours[name], f"{where}.{name}")
    else:
        expected = SCALARS.get(str(kind), "string")  # the rest are the reference's enums
        if _kinds(schema) != {expected}:
            yield f"{where}: the reference answers {kind}, the contract {sorted(_kinds(schema))}"


@pytest.mark.parametrize("key,op,answer", [pytest.param(*a, id=a[0]) for a in _answers()])
def test_every_answer_has_the_reference_types(
    key: str, op: contracts.Operation, answer: dict[str, Any]
) -> None:
    schema = contracts.success_schema(op.operation_id)
    if "successModel" in answer:  # typed void, with a model for its 200 in the messages
        answer = {"type": answer["successModel"]}
    if answer["type"] == "void":
        assert schema is None, f"{key} answers nothing in the reference, the contract a body"
        return
    assert schema is not None, f"{key} answers {answer['type']} in the reference, the contract none"
    drift = list(_drift(answer, schema, op.operation_id))
    assert not drift, "\n".join(drift)


def test_every_departure_from_the_reference_says_why() -> None:
    def departures(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            if "x-reference-departure" in node:
                yield node["x-reference-departure"]
            for value in node.values():
                yield from departures(value)
        elif isinstance(node, list):
            for value in node:
                yield from departures(value)

    found = list(departures(contracts.document()))
    assert found, "the contract marks no departure (EpochMillis departs on evidence)"
    for reason in found:
        assert isinstance(reason, str) and len(reason.split()) >= 8, reason
