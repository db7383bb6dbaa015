"""An account's rate limit: N calls per window, and whether one more call may pass now.

The window slides: a call passes when the costs of the calls that passed in the last
``window_seconds`` plus its own cost stay within ``limit``. A sliding window has no edges a burst
could straddle, so the limit holds exactly at every instant, and the moment a refused call would
pass is known exactly: when enough of the oldest counted calls have left the window. Retry-After
says that moment in whole seconds, rounded up, so a call sent when it says passes. The window
runs on the wall clock (a client waits in real seconds; moving the simulated clock refills
nothing). The counters live in the database, shared by every worker.

``scope`` is ``account`` (one budget for every authentication) or ``authentication`` (one each);
``costs`` gives an operation another weight than 1; ``concurrency`` caps the calls in flight at
once (a call over it is refused with Retry-After 1: no moment is known when one ends); with
``headers`` every answer carries RateLimit-Limit, -Remaining and -Reset.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spotler_sim import contracts
from spotler_sim.errors import SpotlerError

SCOPES = ("account", "authentication")
CONCURRENCY_RETRY_AFTER = 1  # seconds: when a call in flight ends is not known


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_seconds: float
    scope: str = "account"
    costs: Mapping[str, int] = field(default_factory=dict)
    concurrency: int | None = None
    headers: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RateLimit | None:
        """A limit from its document (valid against admin.yaml's ``RateLimit``); None: none."""
        if not data:
            return None
        return cls(
            limit=int(data["limit"]),
            window_seconds=float(data["windowSeconds"]),
            scope=str(data.get("scope", "account")),
            costs={str(k): int(v) for k, v in data.get("costs", {}).items()},
            concurrency=data.get("concurrency"),
            headers=bool(data.get("headers", False)),
        )

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "limit": self.limit, "windowSeconds": self.window_seconds, "scope": self.scope,
        }  # fmt: skip
        if self.costs:
            found["costs"] = dict(self.costs)
        if self.concurrency is not None:
            found["concurrency"] = self.concurrency
        if self.headers:
            found["headers"] = True
        return found

    @property
    def window_ms(self) -> int:
        return round(self.window_seconds * 1000)

    def cost(self, operation_id: str | None) -> int:
        return self.costs.get(operation_id or "", 1)

    def bucket(self, label: str) -> str:
        """Whose budget a call of the authentication ``label`` spends."""
        return "account" if self.scope == "account" else f"authentication:{label}"


def rate_limit_of(data: Mapping[str, Any] | None) -> RateLimit | None:
    """A limit from a fixture or an admin PATCH (valid against ``RateLimit``), checked for what
    the schema cannot check: costs name operations of the API, and each can ever pass."""
    limit = RateLimit.from_json(data)
    if limit is not None:
        check_rate_limit(limit, contracts.operations())
    return limit


def check_rate_limit(limit: RateLimit, operations: Collection[str]) -> None:
    for operation, cost in limit.costs.items():
        if operation not in operations:
            raise SpotlerError.invalid_params(
                f"rateLimit.costs names {operation!r}, which is no operationId of the Spotler "
                f"API: use one such as insertContact or getUpdatedContactsJson"
            )
        if cost > limit.limit:
            raise SpotlerError.invalid_params(
                f"rateLimit.costs.{operation} is {cost}, more than the limit of {limit.limit}: "
                f"such a call could never pass; lower the cost or raise the limit"
            )


@dataclass(frozen=True)
class Decision:
    passed: bool
    limit: int
    remaining: int  # what is left of the budget after this call
    reset_s: int  # seconds until the whole budget is back (RateLimit-Reset)
    retry_after_s: int | None = None  # refused: seconds until this call would pass

    def headers(self) -> dict[str, str]:
        found = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }
        if self.retry_after_s is not None:
            found["Retry-After"] = str(self.retry_after_s)
        return found

    def to_json(self) -> dict[str, Any]:
        """How the journal keeps the decision with the call."""
        found: dict[str, Any] = {
            "passed": self.passed, "limit": self.limit, "remaining": self.remaining,
            "resetSeconds": self.reset_s,
        }  # fmt: skip
        if self.retry_after_s is not None:
            found["retryAfter"] = self.retry_after_s
        return found


def _seconds_until(moment_ms: int, now_ms: int) -> int:
    return max(0, math.ceil((moment_ms - now_ms) / 1000))


def decide(
    limit: RateLimit, counted: Sequence[tuple[int, int]], now_ms: int, cost: int
) -> Decision:
    """Whether a call of ``cost`` passes at ``now_ms``, given the (passed at ms, cost) of the
    calls counted so far, oldest first (those that left the window are ignored)."""
    live = [(at, c) for at, c in counted if at > now_ms - limit.window_ms]
    used = sum(c for _, c in live)
    if used + cost <= limit.limit:
        newest = [*live, (now_ms, cost)]
        return Decision(
            True, limit.limit, limit.limit - used - cost,
            _seconds_until(newest[-1][0] + limit.window_ms, now_ms),
        )  # fmt: skip
    excess, freed, passes_at = used + cost - limit.limit, 0, now_ms
    for at, c in live:
        freed += c
        if freed >= excess:
            passes_at = at + limit.window_ms  # from then on, this call and older ones are out
            break
    reset = _seconds_until(live[-1][0] + limit.window_ms, now_ms) if live else 0
    return Decision(
        False, limit.limit, max(0, limit.limit - used), reset, _seconds_until(passes_at, now_ms)
    )


def over_concurrency(limit: RateLimit, in_flight: int) -> bool:
    return limit.concurrency is not None and in_flight >= limit.concurrency
