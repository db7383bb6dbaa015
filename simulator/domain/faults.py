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

EFFECTS = ("status", "rateLimit", "latency", "hang", "reset", "malformed", "lostResponse")


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
