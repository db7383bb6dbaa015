"""The rate limit holds exactly in every window, and its Retry-After is exactly when a refused
call would pass."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.domain.ratelimit import RateLimit, decide

limits = st.builds(
    RateLimit,
    limit=st.integers(1, 8),
    window_seconds=st.sampled_from([0.5, 1, 2.5, 10]),
)
# gaps between attempts (ms) and each attempt's cost
attempts = st.lists(st.tuples(st.integers(0, 3000), st.integers(1, 3)), max_size=40)


Seen = tuple[int, int, bool, "int | None", list[tuple[int, int]]]


def run(limit: RateLimit, tries: list[tuple[int, int]]) -> list[Seen]:
    """(at, cost, passed, retry_after, what was counted then) of each attempt."""
    counted: list[tuple[int, int]] = []
    now, seen = 1_000_000, []
    for gap, cost in tries:
        now += gap
        cost = min(cost, limit.limit)
        decision = decide(limit, counted, now, cost)
        seen.append((now, cost, decision.passed, decision.retry_after_s, list(counted)))
        if decision.passed:
            counted.append((now, cost))
    return seen


@given(limit=limits, tries=attempts)
def test_no_window_ever_holds_more_than_the_limit(
    limit: RateLimit, tries: list[tuple[int, int]]
) -> None:
    passed = [(at, cost) for at, cost, ok, _, _ in run(limit, tries) if ok]
    for end, _ in passed:
        inside = sum(c for at, c in passed if end - limit.window_ms < at <= end)
        assert inside <= limit.limit


@given(limit=limits, tries=attempts)
def test_a_refused_call_passes_at_its_retry_after_and_not_a_second_before(
    limit: RateLimit, tries: list[tuple[int, int]]
) -> None:
    for at, cost, ok, retry_after, before in run(limit, tries):
        if ok:
            continue
        assert retry_after is not None and retry_after >= 1
        assert decide(limit, before, at + retry_after * 1000, cost).passed
        assert not decide(limit, before, at + retry_after * 1000 - 1000, cost).passed


@given(limit=limits, tries=attempts)
def test_remaining_and_reset_describe_the_budget(
    limit: RateLimit, tries: list[tuple[int, int]]
) -> None:
    counted: list[tuple[int, int]] = []
    now = 1_000_000
    for gap, cost in tries:
        now += gap
        cost = min(cost, limit.limit)
        decision = decide(limit, counted, now, cost)
        spent = sum(c for t, c in counted if t > now - limit.window_ms)
        if decision.passed:
            counted.append((now, cost))
            assert decision.remaining == limit.limit - spent - cost
        assert 0 <= decision.remaining <= limit.limit
        assert decision.reset_s <= -(-limit.window_ms // 1000)
