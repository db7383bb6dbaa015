"""The exposure report counts what the calls met, suggests what they never met, and reports of
several accounts merge into the report of all their calls."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.domain.exposure import MODES, merge, report
from spotler_sim.domain.verdicts import Entry, judge

OPERATIONS = [
    ("POST", "/contact", "insertContact"),
    ("GET", "/contact/1", "getContact"),
    ("GET", "/contact/updates/list", "getUpdatedContactsJson"),
]
ANSWERS = [
    (204, None, None), (503, "BACKEND_EXCEPTION", "status"), (429, "INVALID_STATE", "rateLimit"),
    (None, None, "lostResponse"), (400, "INVALID_PROPERTY", None), (None, None, "reset"),
]  # fmt: skip


@st.composite
def journals(draw: Any, account: str, first_id: int) -> list[Entry]:
    made = []
    for index in range(draw(st.integers(0, 12))):
        method, path, operation = draw(st.sampled_from(OPERATIONS))
        status, error_type, effect = draw(st.sampled_from(ANSWERS))
        body = {"contact": {"externalId": "1", "properties": {}}} if method == "POST" else None
        row = {
            "id": first_id + index, "wall_ms": 1_000_000 + index * 1000, "duration_ms": 3,
            "sim_ms": 1_000_000, "method": method, "path": path, "operation": operation,
            "status": status, "error_type": error_type, "account": account, "label": "shop",
            "fault_effect": effect, "fault_id": 7 if effect else None,
            "request_body": json.dumps(body) if body else "",
        }  # fmt: skip
        made.append(Entry.from_journal(row))
    return made


def exposure_of(entries: list[Entry], accounts: list[str]) -> dict[str, Any]:
    return report(entries, judge(entries), {"b": 300}, [7], accounts)


@given(first=journals("a", 1), second=journals("b", 100))
def test_merged_reports_count_what_one_report_of_all_calls_counts(
    first: list[Entry], second: list[Entry]
) -> None:
    merged = merge([exposure_of(first, ["a"]), exposure_of(second, ["b"])])
    whole = exposure_of(first + second, ["a", "b"])
    assert merged == whole
    assert merged["calls"] == sum(op["calls"] for op in merged["operations"])
    assert {gap["mode"] for gap in merged["unmet"]} == {
        name for name, count in merged["met"].items() if count == 0
    }


def test_a_connector_that_met_nothing_hard_is_told_what_to_try() -> None:
    [ok] = [
        Entry.from_journal(
            {"id": 1, "wall_ms": 5, "duration_ms": 1, "sim_ms": 5, "method": "POST",
             "path": "/contact", "operation": "insertContact", "status": 204, "account": "a"}
        )
    ]  # fmt: skip
    found = report([ok], [], {}, [], ["a"])
    assert found["operations"] == [
        {"operation": "insertContact", "calls": 1, "statuses": {"204": 1}, "errorTypes": {},
         "faultEffects": {}, "verdicts": {}}
    ]  # fmt: skip
    assert [gap["mode"] for gap in found["unmet"]] == [name for name, _, _ in MODES]
    [rate] = [gap for gap in found["unmet"] if gap["mode"] == "rate-limit"]
    assert "Retry-After" in rate["suggestion"]
