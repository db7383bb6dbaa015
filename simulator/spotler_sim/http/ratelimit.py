"""The account's rate limit on a call: after authentication (the limit is the caller's account's)
and before the fault rules. A call over the limit is answered 429 with the Retry-After at which
it would pass; the decision travels with the call (in ``g``, beside the ``Call``) to its
answer's headers and its journal entry.
"""

from __future__ import annotations

from flask import Response, g

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


def admit(state: State, caller: Caller, op: contracts.Operation) -> None:
    """Count the call against its budget, or refuse it with 429."""
    limit = caller.account.rate_limit
    if limit is None:
        return
    account = caller.account.id
    bucket = limit.bucket(caller.auth.label)
    with state.db.write() as conn:  # one writer at a time: two workers never share a last slot
        now = state.wall_ms()
        counted = counters.counted(conn, account, bucket, now, limit.window_ms)
        decision = decide(limit, counted, now, limit.cost(op.operation_id))
        crowded = over_concurrency(limit, counters.in_flight(conn, account, bucket, now))
        if decision.passed and crowded:
            decision = Decision(False, limit.limit, decision.remaining + limit.cost(op.operation_id),
                                decision.reset_s, CONCURRENCY_RETRY_AFTER)  # fmt: skip
        elif decision.passed:
            counters.count(conn, account, bucket, now, limit.cost(op.operation_id))
            if limit.concurrency is not None:
                g.rate_in_flight = counters.enter(conn, account, bucket, now)
    g.rate_decision = decision
    g.rate_headers = limit.headers
    if not decision.passed:
        assert decision.retry_after_s is not None
        why = (
            f"more than {limit.concurrency} calls at once"
            if crowded
            else f"the limit of {limit.limit} per {limit.window_seconds:g} s"
        )
        whose = "this account" if limit.scope == "account" else "this authentication"
        raise SpotlerError.too_many_requests(decision.retry_after_s, f"{why} for {whose}")


def decision() -> Decision | None:
    found: Decision | None = g.get("rate_decision")
    return found


def headers(response: Response) -> None:
    """Retry-After on a refusal; RateLimit-* on every answer when the limit asks for them."""
    found = decision()
    if found is None:
        return
    for name, value in found.headers().items():
        if name == "Retry-After" or g.get("rate_headers"):
            response.headers[name] = value


def leave(state: State) -> None:
    """The call is over (whatever happened): it no longer counts against the concurrency cap."""
    row = g.pop("rate_in_flight", None)
    if row is not None:
        with state.db.write() as conn:
            counters.leave(conn, row)
