"""Journal rows for tests: as a call writes them into the store (``stored``), and as the store
hands them to the verdict rules (``call``)."""

from __future__ import annotations

import itertools
import json
from typing import Any

from spotler_sim.domain.verdicts import Entry

T0 = 1_790_000_000_000.0  # a wall-clock instant, ms
INSERT = ("POST", "/contact", "insertContact")
ids = itertools.count(1)


def stored(n: int, *, status: int | None = 200, body: str = "", query: str = "") -> dict[str, Any]:
    """The entry of call ``n`` as ``store.journal.record`` takes it (wall and simulated time n)."""
    return {
        "wall_ms": n, "sim_ms": n, "method": "GET", "path": f"/contact/{n}", "query": query,
        "status": status, "duration_ms": 1.0, "request_headers": "{}", "request_body": body,
        "response_body": "",
    }  # fmt: skip


def call(
    at_s: float, method: str, path: str, operation: str, *, body: Any = None, status: int | None = 204,
    error_type: str | None = None, took_ms: float = 5, fault: str | None = None,
    retry_after: int | None = None, query: str = "", sim_ms: int | None = None,
    label: str | None = "shop", account: str | None = "shop", key: str = "shop-key",
) -> Entry:  # fmt: skip
    """One journal row, arriving ``at_s`` seconds after T0, read as the rules read it."""
    arrived = T0 + at_s * 1000
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Entry.from_journal(
        {
            "id": next(ids), "wall_ms": int(arrived + took_ms), "duration_ms": took_ms,
            "sim_ms": int(arrived) if sim_ms is None else sim_ms, "method": method, "path": path,
            "query": query + "&oauth_nonce=" + str(next(ids)), "operation": operation,
            "request_body": json.dumps(body) if body is not None else "", "status": status,
            "error_type": error_type, "account": account, "label": label, "key": key,
            "fault_effect": fault, "response_headers": json.dumps(headers),
        }
    )  # fmt: skip


def contact(external_id: str, email: str, *, update: bool = False) -> dict[str, Any]:
    return {
        "update": update,
        "contact": {"externalId": external_id, "properties": {"email": email}},
    }
