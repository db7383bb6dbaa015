"""Every contract check runs jsonschema-rs first and python-jsonschema only on what it refuses;
that is sound only while a value the compiled check accepts is one python-jsonschema accepts.
Hypothesis holds every schema and parameter of both contracts to it, with values near the
edges where the two engines differ (formats, ``$`` before a newline, non-ASCII digits)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim import contracts

EDGES = [
    "", " ", "0", "12", "12\n", "-1", "1.5", "2147483648", "١٢", "a@b.nl", "a@b", "a@b.nl\n",
    "2024-01-01", "20240101", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00", "2024-01-01 10:00",
    "2024-13-01", "10:00:00", "https://x.example/p", "not a uri", "x" * 300,
    "bc0a8795-4f1e-4a6b-8d2c-7e3f9a5b1c20", "bc0a87954f1e4a6b8d2c7e3f9a5b1c20",
    "{bc0a8795-4f1e-4a6b-8d2c-7e3f9a5b1c20}", "EMAIL", "SMS", "true", "null", "1001", "3511 AB",
]  # fmt: skip
scalars = st.one_of(
    st.sampled_from(EDGES), st.text(max_size=12), st.integers(), st.floats(allow_nan=False),
    st.booleans(), st.none(),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(EDGES[:8]) | st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _checks() -> dict[str, contracts.Check]:
    checks = {
        f"{doc}:{name}": contracts.schema_validator(name, doc)
        for doc in (contracts.API, contracts.ADMIN)
        for name in contracts.document(doc)["components"]["schemas"]
    }
    seen = set()
    for op in contracts.operations().values():
        for param in op.parameters:  # one of each schema: most parameters share theirs
            if (key := json.dumps(param.schema, sort_keys=True)) not in seen:
                seen.add(key)
                checks[f"{op.operation_id}:{param.name}"] = param.validator
    return checks


CHECKS = _checks()


def _fields(check: contracts.Check) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the schema's own property names, so object schemas get past their top."""
    where, _, pointer = check.schema["$ref"].partition("#/")
    doc = where.rsplit("/", 1)[-1].removesuffix(".yaml")
    node: Any = contracts.document(doc)
    for part in pointer.split("/"):
        node = node[int(part)] if isinstance(node, list) else node[contracts._unescape(part)]
    schema = contracts.resolve(node, doc)
    names = sorted(schema.get("properties", {})) or ["x"]
    return st.dictionaries(st.sampled_from(names), values, max_size=len(names))


@pytest.mark.parametrize("name", sorted(CHECKS))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_what_the_compiled_check_accepts_python_jsonschema_accepts(
    name: str, data: st.DataObject
) -> None:
    check = CHECKS[name]
    value = data.draw(values | _fields(check))
    if check.fast.is_valid(value):
        assert check.full.is_valid(value), (name, value)


def test_a_refused_value_is_named_by_python_jsonschema() -> None:
    check = contracts.schema_validator("PropertyValueEmail")
    [error] = list(check.iter_errors("no address"))
    assert "does not match" in error.message or "is not valid" in error.message
    assert list(check.iter_errors("jan@example.com")) == []
