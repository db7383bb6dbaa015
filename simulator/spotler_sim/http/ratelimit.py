"""The account's rate limit on a call: after authentication (the limit is the caller's account's)
and before the fault rules. A call over the limit is answered 429 with the Retry-After at which
it would pass. What the limit decided (``Counted``) travels in the call itself (``Attempt.rate``,
``Call.rate``) to its answer's headers, its journal entry and the end of the call.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response

from spotler_sim import contracts
from spotler_sim.domain.model import Caller
from spotler_sim.domain.ratelimit import (
    CONCURRENCY_RETRY_AFTER,
    Decision,
    decide,
    over_concurrency,
)
from spotler_sim.errors import SpotlerError
from spotler_sim.state import State
from spotler_sim.store import ratelimit as counters


@dataclass(frozen=True)
class Counted:
    """What the account's limit made of one call."""

    decision: Decision
    every_answer: bool  # RateLimit-* on every answer, not only Retry-After on a refusal
    in_flight: int | None = None  # the row that counts the call against the concurrency cap
    refusal: SpotlerError | None = None  # the 429 to answer, when the call is over the limit


def count(state: State, caller: Caller, op: contracts.Operation) -> Counted | None:
    """Count the call against its budget (None when the account has no limit)."""
    limit = caller.account.rate_limit
    if limit is None:
        return None
    account = caller.account.id
    bucket = limit.bucket(caller.auth.label)
    cost = limit.cost(op.operation_id)
    in_flight = None
    with state.db.write() as conn:  # one writer at a time: two workers never share a last slot
        now = state.wall_ms()
        decision = decide(limit, counters.counted(conn, account, bucket, now, limit.window_ms),
                          now, cost)  # fmt: skip
        crowded = over_concurrency(limit, counters.in_flight(conn, account, bucket, now))
        if decision.passed and crowded:
            decision = Decision(False, limit.limit, decision.remaining + cost, decision.reset_s,
                                CONCURRENCY_RETRY_AFTER)  # fmt: skip
        elif decision.passed:
            counters.count(conn, account, bucket, now, cost)
            if limit.concurrency is not None:
                in_flight = counters.enter(conn, account, bucket, now)
    if decision.passed:
        return Counted(decision, limit.headers, in_flight)
    assert decision.retry_after_s is not None
    why = (
        f"more than {limit.concurrency} calls at once"
        if crowded
        else f"the limit of {limit.limit} per {limit.window_seconds:g} s"
    )
    whose = "this account" if limit.scope == "account" else "this authentication"
    refusal = SpotlerError.too_many_requests(decision.retry_after_s, f"{why} for {whose}")
    return Counted(decision, limit.headers, refusal=refusal)


def headers(response: Response, counted: Counted | None) -> None:
    """Retry-After on a refusal; RateLimit-* on every answer when the limit asks for them."""
    if counted is None:
        return
    for name, value in counted.decision.headers().items():
        if name == "Retry-After" or counted.every_answer:
            response.headers[name] = value


def leave(state: State, counted: Counted | None) -> None:
    """The call is over (whatever happened): it no longer counts against the concurrency cap."""
    if counted is not None and counted.in_flight is not None:
        with state.db.write() as conn:
            counters.leave(conn, counted.in_flight)
