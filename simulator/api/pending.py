"""Honest answers for the operations whose state the simulator does not keep yet.

Every operation of the contract is routed, authenticated and validated. One without a handler of
its own answers what is true of an account that holds nothing of its kind: a list operation gives
an empty list (or an empty page), anything that names or needs a resource answers 404. Nothing is
ever stored, and the message says so.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g

import contracts
from simulator.errors import SpotlerError
from simulator.representation import render


def empty_answer(op: contracts.Operation) -> Any | None:
    """What a listing answers for an account with nothing of its kind, or None if not a listing."""
    if op.method != "GET" or any(p.location == "path" for p in op.parameters):
        return None
    schema = contracts.success_schema(op.operation_id)
    if schema is None:
        return None
    if schema.get("type") == "array":
        return []
    properties = schema.get("properties", {})
    lists = [k for k, v in properties.items() if contracts.resolve(v).get("type") == "array"]
    if "paging" in properties and len(lists) == 1:
        return {"paging": {"after": g.params.get("after", 0)}, lists[0]: []}
    return None


def handler(op: contracts.Operation) -> Any:
    """The view of an operation without a handler of its own."""

    def pending(**_: str) -> Response:
        empty = empty_answer(op)
        if empty is not None:
            return render(empty)
        kind = op.tags[0] if op.tags else "resource"
        raise SpotlerError.resource_not_found(
            f"{op.method} {op.path}: this account holds no {kind} data in the simulator yet, "
            f"so there is nothing to find and nothing was stored; seed it through a fixture "
            f"or use an operation the simulator keeps (see the README)"
        )

    return pending
