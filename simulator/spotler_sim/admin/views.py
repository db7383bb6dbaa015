"""The shapes the admin API answers in, shared by the JSON API and the dashboard."""

from __future__ import annotations

import json
from typing import Any

from spotler_sim.domain.accounts import AuthSpec
from spotler_sim.domain.clock import ClockState
from spotler_sim.domain.model import Account, Authentication
from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms
from spotler_sim.fixtures import load
from spotler_sim.http.context import services
from spotler_sim.store import ratelimit


def account_view(conn: Any, account: Account) -> dict[str, Any]:
    count = conn.execute(
        "SELECT count(*) FROM contacts WHERE account_id = ?", (account.id,)
    ).fetchone()[0]
    view = {**load.account_settings(conn, account), "contactCount": count}
    if account.rate_limit is not None:
        state = services().state
        usage = ratelimit.usage(conn, account.id, state.wall_ms(), account.rate_limit.window_ms)
        view["rateLimitUsage"] = [
            {"budget": budget, "spent": spent, "inFlight": flying}
            for budget, (spent, flying) in sorted(usage.items())
        ]
    return view


def auth_view(auth: AuthSpec | Authentication) -> dict[str, str]:
    return {"label": auth.label, "key": auth.key, "secret": auth.secret, "idField": auth.id_field}


def clock_view(clock: ClockState, wall_ms: int) -> dict[str, Any]:
    now = clock.now_ms(wall_ms)
    view: dict[str, Any] = {"mode": clock.mode, "now": iso_utc(now), "nowMs": now}
    if clock.mode == "offset":
        view["offsetSeconds"] = clock.offset_ms / 1000
    return view


def fault_view(fault_id: int, rule: dict[str, Any], matches: int, fired: int) -> dict[str, Any]:
    return {"id": fault_id, **rule, "matches": matches, "fired": fired}


def journal_filters(params: dict[str, Any]) -> dict[str, Any]:
    """Journal filters from the validated query of listRequests/countRequests."""
    filters = {
        k: params.get(k)
        for k in ("method", "path", "status", "account", "key", "label", "operation", "fault")
    }
    if filters["method"]:
        filters["method"] = str(filters["method"]).upper()
    if params.get("since"):
        filters["since_ms"] = parse_instant_ms(params["since"], name="since")
    if params.get("until"):
        filters["until_ms"] = parse_instant_ms(params["until"], name="until", end_of_day=True)
    if params.get("newerThan") is not None:
        filters["newer_than"] = params["newerThan"]
    return filters


def journal_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "at": iso_utc(row["sim_ms"]),
        "wallAt": iso_utc(row["wall_ms"]),
        "method": row["method"],
        "path": row["path"],
        "query": row["query"],
        "operation": row["operation"],
        "status": row["status"],
        "errorType": row["error_type"],
        "account": row["account"],
        "key": row["key"],
        "label": row["label"],
        "fault": row["fault_id"],
        "faultEffect": row["fault_effect"],
        "durationMs": round(row["duration_ms"], 2),
        "requestHeaders": json.loads(row["request_headers"]),
        "requestBody": row["request_body"],
        "responseBody": row["response_body"],
        "responseHeaders": json.loads(row["response_headers"] or "{}"),
        "rateLimit": json.loads(row["rate_limit"] or "null"),
        "baseString": row["base_string"],
    }
