"""A JSON null in an optional property of any request body means the property is absent.

Clients built on pydantic models or PHP objects send every unset field as ``null``, and the Java
service behind the real API reads it as absent. Generated from the contract: for every operation
that takes a JSON body, a valid body is built from its schema, then each optional property the
schema declares (at any depth) is sent as null; the outcome must be that of the body without it.
A required property sent as null stays a 400 naming it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from spotler_sim import contracts
from spotler_sim.errors import SpotlerError
from spotler_sim.http import validation

JSON = "application/json"
# Values for string formats and patterns a generic "x" does not meet.
STRINGS = {"date-time": "2026-11-02T14:00:00+01:00", "uuid": "3f2b8c1e-9d4a-4c1b-8e2f-1a2b3c4d5e6f"}


def _kind(schema: dict[str, Any]) -> str | None:
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    return next((k for k in kinds if k != "null"), None)


def _members(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The schema and its allOf members, resolved: together they describe one value."""
    schema = contracts.resolve(schema)
    yield schema
    for member in schema.get("allOf", ()):
        yield from _members(member)


def _properties(schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    props: dict[str, Any] = {}
    required: set[str] = set()
    for member in _members(schema):
        props.update(member.get("properties", {}))
        required |= set(member.get("required", ()))
    return props, required


def skeleton(schema: dict[str, Any]) -> Any:
    """A small valid value of a schema: its example, or its required parts filled in."""
    schema = contracts.resolve(schema)
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    for key in ("anyOf", "oneOf"):
        for member in schema.get(key, ()):
            if _kind(contracts.resolve(member)) is not None or "$ref" in member:
                return skeleton(member)
    kind = _kind(schema) or next((_kind(m) for m in _members(schema) if _kind(m)), None)
    if kind == "object":
        props, required = _properties(schema)
        return {name: skeleton(props[name]) for name in sorted(required)}
    if kind == "array":
        return [skeleton(schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return STRINGS.get(schema.get("format", ""), "x" * max(1, schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    return False if kind == "boolean" else None


def optional_paths(
    schema: dict[str, Any], where: tuple[Any, ...] = (), depth: int = 0
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, the schema of its parent object) of every optional property, at any depth; an
    array's items are reached through its first element."""
    if depth > 6:
        return
    props, required = _properties(schema)
    for name, sub in props.items():
        if name not in required:
            yield (*where, name), schema
        yield from optional_paths(sub, (*where, name), depth + 1)
    for member in _members(schema):
        if "items" in member:
            yield from optional_paths(member["items"], (*where, 0), depth + 1)
        for key in ("anyOf", "oneOf"):
            for alternative in member.get(key, ()):
                yield from optional_paths(alternative, where, depth + 1)


def with_path(document: Any, schema: dict[str, Any], path: tuple[Any, ...]) -> Any:
    """The document with every container on the way to ``path`` present (built from the
    schema where missing), so that its last step can be set or left out."""
    document = copy.deepcopy(document)
    node, node_schema = document, schema
    for step in path[:-1]:
        if isinstance(step, int):
            items = next(m["items"] for m in _members(node_schema) if "items" in m)
            if not node:
                node.append(skeleton(items))
            node, node_schema = node[0], items
        else:
            sub = _properties(node_schema)[0].get(step)
            if sub is None:  # declared by an alternative (anyOf/oneOf) only
                sub = next(
                    a
                    for m in _members(node_schema)
                    for k in ("anyOf", "oneOf")
                    for a in m.get(k, ())
                    if step in _properties(a)[0]
                )
                sub = _properties(sub)[0][step]
            if node.get(step) is None:
                node[step] = skeleton(sub)
                if isinstance(node[step], dict | list) is False:
                    node[step] = skeleton(sub)
            node, node_schema = node[step], sub
    node.pop(path[-1], None)
    return document


def outcome(op: contracts.Operation, document: Any) -> Any:
    try:
        return ("accepted", validation.body(op, json.dumps(document).encode(), JSON))
    except SpotlerError as refusal:
        return ("refused", refusal.status, refusal.message)


def json_bodies() -> Iterator[tuple[contracts.Operation, dict[str, Any]]]:
    """Every operation that takes a JSON body, with the body's schema."""
    for op in contracts.operations().values():
        schema = contracts.media_schema(op.operation_id, JSON)
        if schema is not None:
            yield op, schema


def cases() -> Iterator[Any]:
    for op, schema in json_bodies():
        for path, _parent in optional_paths(schema):
            label = ".".join(str(p) for p in path)
            yield pytest.param(op, schema, path, id=f"{op.operation_id}:{label}")


CASES = list(cases())


def test_the_contract_has_optional_properties_in_request_bodies() -> None:
    ids = {c.values[0].operation_id for c in CASES}
    assert {"insertProduct", "triggerCampaign", "insertContact"} <= ids
    assert len(CASES) > 50


@pytest.mark.parametrize(("op", "schema", "path"), CASES)
def test_a_null_optional_property_is_read_as_absent(
    op: contracts.Operation, schema: dict[str, Any], path: tuple[Any, ...]
) -> None:
    without = with_path(skeleton(schema), schema, path)
    assert outcome(op, without)[0] == "accepted", (without, outcome(op, without))
    sent = copy.deepcopy(without)
    node = sent
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = None
    assert outcome(op, sent) == outcome(op, without)


def required_paths() -> Iterator[Any]:
    for op, schema in json_bodies():
        props, required = _properties(schema)
        for name in sorted(required):
            if "null" not in json.dumps(contracts.resolve(props[name]).get("type", "")):
                yield pytest.param(op, schema, name, id=f"{op.operation_id}:{name}")


@pytest.mark.parametrize(("op", "schema", "name"), list(required_paths()))
def test_a_null_required_property_is_refused_naming_it(
    op: contracts.Operation, schema: dict[str, Any], name: str
) -> None:
    sent = {**skeleton(schema), name: None}
    verdict = outcome(op, sent)
    assert verdict[:2] == ("refused", 400)
    assert f"body.{name} is null, but it is required" in verdict[2]
