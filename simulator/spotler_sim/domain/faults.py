"""Fault rules: which calls a rule matches, and whether it fires on a given match.

A rule matches by method, path (an operation template such as ``/contact/{externalId}`` or a glob
such as ``/contact/*``), account and authentication label. Whether a match fires depends only on
the rule and the match's number, never on a shared random state: the n-th match of a rule with
seed s fires with the same outcome in every run and in every worker process, so a faulty run can
be replayed exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from spotler_sim.domain.timewindows import parse_instant_ms
from spotler_sim.errors import SpotlerError

EFFECTS = ("status", "rateLimit", "latency", "hang", "reset", "malformed", "lostResponse")
# Effects that delay an answer but leave it as the simulator made it: still on the contract.
CONTRACT_KEEPING = frozenset({"latency"})
# Effects that keep a call waiting in the server (store/waits.py).
WAITING_KINDS = ("latency", "hang")


def rule_document(
    effect: dict[str, Any],
    match: dict[str, Any] | None = None,
    window: tuple[str | None, str | None] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """A fault rule as admin.yaml's ``FaultRule`` has it, from parts a CLI, a form or a test
    gives: what is None (or an empty match value) is left out, for the contract to judge."""
    rule: dict[str, Any] = {"effect": {k: v for k, v in effect.items() if v is not None}}
    matched = {k: v for k, v in (match or {}).items() if v not in (None, "")}
    if matched:
        rule["match"] = matched
    rule.update({k: v for k, v in options.items() if v is not None})
    if window is not None and any(window):
        rule["window"] = {"from": window[0], "to": window[1]}
    return rule


@dataclass(frozen=True)
class Call:
    """What a fault rule can see of a call."""

    method: str
    path: str  # without the API prefix, e.g. /contact/1001
    template: str | None  # the operation's path template, e.g. /contact/{externalId}
    account: str | None
    label: str | None
    now_ms: int  # simulated time


@dataclass(frozen=True)
class FaultRule:
    id: int
    effect: dict[str, Any]
    method: str | None = None
    path: str | None = None
    account: str | None = None
    label: str | None = None
    probability: float = 1.0
    seed: int = 0
    first: int | None = None  # fire only on the first N matches
    after: int | None = None  # fire only after the first N matches
    window: tuple[int, int] | None = None  # simulated epoch ms, inclusive
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, fault_id: int, doc: dict[str, Any]) -> FaultRule:
        """A rule from its admin document (already valid against ``FaultRule``)."""
        match = doc.get("match", {})
        window = doc.get("window")
        return cls(
            id=fault_id,
            effect=doc["effect"],
            method=match.get("method"),
            path=match.get("path"),
            account=match.get("account"),
            label=match.get("label"),
            probability=float(doc.get("probability", 1.0)),
            seed=int(doc.get("seed", 0)),
            first=doc.get("first"),
            after=doc.get("after"),
            window=_window(window) if window else None,
            description=doc.get("description", ""),
        )

    @property
    def kind(self) -> str:
        return str(self.effect["type"])

    def matches(self, call: Call) -> bool:
        if self.method and self.method.upper() not in ("*", call.method.upper()):
            return False
        if self.path and not (self.path == call.template or fnmatchcase(call.path, self.path)):
            return False
        if self.account and self.account != call.account:
            return False
        if self.label and self.label != call.label:
            return False
        return self.window is None or self.window[0] <= call.now_ms <= self.window[1]

    def fires(self, match_number: int) -> bool:
        """Whether the ``match_number``-th match (counting from 1) fires."""
        if self.first is not None and match_number > self.first:
            return False
        if self.after is not None and match_number <= self.after:
            return False
        if self.probability >= 1:
            return True
        return random.Random(f"{self.seed}:{match_number}").random() < self.probability

    def latency_seconds(self, match_number: int) -> float:
        """The delay of a latency effect: fixed, or drawn (replayably) from a range."""
        low = float(self.effect.get("ms", 0))
        high = float(self.effect.get("maxMs", low))
        drawn = random.Random(f"{self.seed}:latency:{match_number}").uniform(low, high)
        return drawn / 1000


def _window(window: dict[str, str]) -> tuple[int, int]:
    start = parse_instant_ms(window["from"], name="window.from")
    end = parse_instant_ms(window["to"], name="window.to", end_of_day=True)
    if start > end:
        raise SpotlerError.invalid_params("window.from is after window.to: swap them")
    return start, end


def check_fault_rule(document: dict[str, Any]) -> None:
    """What the schema cannot check of a rule document: a window must be readable, in order."""
    if document.get("window"):
        _window(document["window"])
