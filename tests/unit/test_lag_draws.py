"""The seeded random lag pinned: every worker process and every run draws the same lag for the
same change (no per-process hash seeds), the draw spreads over the whole range, and a policy
other than ``random`` draws nothing."""

from __future__ import annotations

import pytest

from spotler_sim.domain.lag import visible_at
from spotler_sim.domain.model import LagPolicy

CHANGED = 1_800_000_000_000
TEN_MINUTES = LagPolicy("random", max_seconds=600, seed=7)


@pytest.mark.parametrize(
    ("policy", "changed", "who", "lag_ms"),
    [
        # Drawn once and written down: a change here moves every seeded scenario's changes.
        (TEN_MINUTES, CHANGED, 1001, 81_079),
        (TEN_MINUTES, CHANGED, 1002, 93_926),  # another contact, another lag
        (LagPolicy("random", max_seconds=600, seed=8), CHANGED, 1001, 271_698),  # another seed
        (TEN_MINUTES, CHANGED + 1, 1001, 259_491),  # another change of the same contact
    ],
)
def test_a_seeded_lag_is_the_same_in_every_run_and_process(
    policy: LagPolicy, changed: int, who: int, lag_ms: int
) -> None:
    assert visible_at(policy, changed, who) == changed + lag_ms


def test_the_draw_covers_the_range_in_milliseconds() -> None:
    lags = [visible_at(TEN_MINUTES, CHANGED, who) - CHANGED for who in range(400)]
    assert min(lags) >= 0 and max(lags) <= 600_000
    assert max(lags) > 588_000  # within 2 % of the top
    assert min(lags) < 1_000  # these 400 draws include one under a second: the range starts at 0
    assert len(set(lags)) > 390  # milliseconds, not whole seconds or a constant


@pytest.mark.parametrize("mode", ["none", "fixed-ish", ""])
def test_a_policy_that_is_not_random_draws_nothing(mode: str) -> None:
    policy = LagPolicy(mode, seconds=0, max_seconds=600, seed=7)
    assert visible_at(policy, CHANGED, 1001) == CHANGED
