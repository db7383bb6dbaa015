"""Checks every answer the tests receive against the contract, so no handler drifts from it."""

from __future__ import annotations

import re
from functools import cache

import httpx

import contracts

PREFIX = re.compile(r"^/integrationservice(-1\.1\.0)?")


@cache
def _routes() -> list[tuple[re.Pattern[str], str, str]]:
    routes = []
    for op in contracts.operations().values():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", op.path)
        # Fixed segments first: /contact/updates/list must win over /contact/{externalId}.
        fixed = sum(1 for part in op.path.split("/") if part and not part.startswith("{"))
        routes.append((re.compile(f"^{pattern}/?$"), op.method, op.operation_id, fixed))
    routes.sort(key=lambda r: -r[3])
    return [(r[0], r[1], r[2]) for r in routes]


def operation_for(method: str, path: str) -> str | None:
    path = PREFIX.sub("", path)
    for pattern, op_method, operation_id in _routes():
        if op_method == method and pattern.match(path):
            return operation_id
    return None


class ContractViolation(AssertionError):
    pass


def check(response: httpx.Response) -> None:
    """Raise when a response of a Spotler API operation does not match its contract."""
    request = response.request
    if not PREFIX.match(request.url.path):
        return
    response.read()
    operation_id = operation_for(request.method, request.url.path)
    if operation_id is None:
        body = response.json()
        if set(body) != {"errorType", "message"}:
            raise ContractViolation(f"unrouted path answered {body!r}, not an ErrorResponse")
        return
    if response.status_code == 204:
        if response.content:
            raise ContractViolation(f"{operation_id} answered 204 with a body")
        return
    media = response.headers.get("content-type", "").split(";")[0]
    if media != "application/json":
        raise ContractViolation(f"{operation_id} answered content type {media!r}")
    try:
        validator = contracts.response_validator(operation_id, response.status_code)
    except KeyError as exc:
        raise ContractViolation(str(exc)) from None
    if validator is None:
        raise ContractViolation(f"{operation_id} {response.status_code} documents no JSON body")
    errors = list(validator.iter_errors(response.json()))
    if errors:
        raise ContractViolation(
            f"{operation_id} {response.status_code} body breaks the contract: {errors[0].message}"
        )
