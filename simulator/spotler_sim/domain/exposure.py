"""What a connector's calls met: the exposure report.

Per operation: the statuses and errorTypes it was answered, the fault effects it met and the
verdicts it drew; and, as suggestions, the failure modes that matter for a Spotler connector that
it never met. The report is a plain document (the JSON the admin API answers); reports of several
accounts (one per test) merge into one by adding up their counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spotler_sim.domain.verdicts import INSERTS, POLLS, Entry, Verdict

# Failure modes a Spotler connector meets in production: (name, what it is, how to meet it).
MODES: tuple[tuple[str, str, str], ...] = (
    (
        "rate-limit",
        "a 429 with Retry-After",
        "give the account a rateLimit (PATCH /__admin/accounts/NAME, or the rate-limited-account "
        "scenario), or faults.add('rateLimit', retry_after=30): the connector must wait for "
        "Retry-After",
    ),
    (
        "lost-insert",
        "a lost response on an insert",
        "faults.add('lostResponse', method='POST', path='/contact', first=1): the insert is "
        "stored but its answer never arrives; the connector must replay it as an upsert",
    ),
    (
        "maintenance",
        "a maintenance window",
        "faults.add('status', status=503, window=(FROM, TO)) and move the clock through it: "
        "every call fails for a while, and the connector must keep its calls until it ends",
    ),
    (
        "visibility-lag",
        "a visibility lag on the updates or bounces list",
        "spotler_sim.set_lag(300) before polling /contact/updates/list: changes show minutes "
        "late, and a window that ends too close to now misses them",
    ),
    (
        "permanent-4xx",
        "a permanent 4xx (a refusal with an errorType)",
        "send a contact with a broken e-mail address: a 400 with an errorType must be shown to "
        "an operator, not retried",
    ),
)


def report(
    entries: Sequence[Entry],
    verdicts: Sequence[Verdict],
    lag_seconds: Mapping[str, float],
    window_faults: Iterable[int] = (),
    accounts: Iterable[str] = (),
) -> dict[str, Any]:
    """The exposure of ``entries``; ``window_faults`` are the ids of the fault rules with a
    window (maintenance windows)."""
    windows = set(window_faults)
    operations: dict[str, dict[str, Any]] = {}
    met: Counter[str] = Counter()
    for entry in entries:
        found = operations.setdefault(entry.what, _operation(entry.what))
        found["calls"] += 1
        status = "dropped" if entry.status is None else str(entry.status)
        found["statuses"][status] = found["statuses"].get(status, 0) + 1
        if entry.error_type:
            found["errorTypes"][entry.error_type] = found["errorTypes"].get(entry.error_type, 0) + 1
        if entry.fault_effect:
            effects = found["faultEffects"]
            effects[entry.fault_effect] = effects.get(entry.fault_effect, 0) + 1
        met["rate-limit"] += entry.status == 429
        met["lost-insert"] += entry.lost and entry.operation in INSERTS
        met["maintenance"] += entry.fault_id is not None and entry.fault_id in windows
        met["visibility-lag"] += (
            entry.operation in POLLS and lag_seconds.get(entry.account or "", 0) > 0
        )
        met["permanent-4xx"] += entry.permanent
    for verdict in verdicts:
        what = verdict.operation or "(unknown)"
        found = operations.setdefault(what, _operation(what))
        found["verdicts"][verdict.rule] = found["verdicts"].get(verdict.rule, 0) + 1
    return _finished(
        {
            "accounts": sorted(set(accounts)),
            "calls": len(entries),
            "operations": sorted(operations.values(), key=lambda o: str(o["operation"])),
            "met": {name: met[name] for name, _, _ in MODES},
            "verdicts": [v.to_json() for v in verdicts],
        }
    )


def _operation(name: str) -> dict[str, Any]:
    return {
        "operation": name, "calls": 0, "statuses": {}, "errorTypes": {}, "faultEffects": {},
        "verdicts": {},
    }  # fmt: skip


def _finished(document: dict[str, Any]) -> dict[str, Any]:
    """The report with its suggestions: one for each failure mode never met."""
    document["unmet"] = [
        {"mode": name, "what": what, "suggestion": how}
        for name, what, how in MODES
        if not document["met"].get(name)
    ]
    return document


def merge(reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One report of several (each test's account): counts add up, suggestions are recomputed."""
    accounts: set[str] = set()
    calls = 0
    operations: dict[str, dict[str, Any]] = {}
    met: Counter[str] = Counter()
    verdicts: list[dict[str, Any]] = []
    for one in reports:
        accounts.update(one["accounts"])
        calls += one["calls"]
        met.update(one["met"])
        verdicts += one["verdicts"]
        for found in one["operations"]:
            into = operations.setdefault(found["operation"], _operation(found["operation"]))
            into["calls"] += found["calls"]
            for part in ("statuses", "errorTypes", "faultEffects", "verdicts"):
                into[part] = dict(Counter(into[part]) + Counter(found[part]))
    return _finished(
        {
            "accounts": sorted(accounts),
            "calls": calls,
            "operations": sorted(operations.values(), key=lambda o: str(o["operation"])),
            "met": {name: met[name] for name, _, _ in MODES},
            "verdicts": sorted(verdicts, key=lambda v: (v["calls"][-1], v["rule"])),
        }
    )


def counted(counts: Mapping[str, int], separator: str = ", ") -> str:
    """``{"204": 3, "503": 1}`` as ``204 x3, 503``, for tables."""
    return separator.join(f"{k} x{n}" if n > 1 else k for k, n in sorted(counts.items()))
