"""The simulated clock and the visibility-lag policies, as pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.domain.clock import ClockState
from spotler_sim.domain.lag import visible_at
from spotler_sim.domain.model import LagPolicy
from spotler_sim.errors import SpotlerError

WALL = 1_800_000_000_000


def test_a_real_clock_follows_the_wall() -> None:
    assert ClockState().now_ms(WALL) == WALL


def test_an_offset_clock_keeps_its_distance_from_the_wall() -> None:
    clock = ClockState("offset", -60_000)
    assert clock.now_ms(WALL) == WALL - 60_000
    assert clock.now_ms(WALL + 5) == WALL - 60_000 + 5


def test_a_frozen_clock_stands_still_until_advanced() -> None:
    clock = ClockState("frozen", 0, WALL)
    assert clock.now_ms(WALL + 99_999) == WALL
    assert clock.advanced(1.5, WALL).now_ms(WALL + 99_999) == WALL + 1500


def test_advancing_a_running_clock_turns_it_into_an_offset() -> None:
    moved = ClockState().advanced(600, WALL)
    assert moved.mode == "offset" and moved.now_ms(WALL) == WALL + 600_000


def test_the_clock_never_moves_backwards_by_advance() -> None:
    with pytest.raises(SpotlerError):
        ClockState().advanced(-1, WALL)


@given(st.integers(0, 10**13), st.floats(0, 3600))
def test_a_fixed_lag_adds_exactly_its_seconds(changed: int, seconds: float) -> None:
    assert visible_at(LagPolicy("fixed", seconds=seconds), changed, 1) == changed + round(
        seconds * 1000
    )


@given(st.integers(0, 10**13), st.integers(1, 3600), st.integers(), st.integers(0, 10**6))
def test_a_random_lag_is_bounded_and_the_same_for_the_same_change(
    changed: int, most: int, seed: int, who: int
) -> None:
    policy = LagPolicy("random", max_seconds=most, seed=seed)
    first = visible_at(policy, changed, who)
    assert changed <= first <= changed + most * 1000
    assert visible_at(policy, changed, who) == first


def test_no_lag_is_visible_at_once() -> None:
    assert visible_at(LagPolicy(), WALL, 1) == WALL
