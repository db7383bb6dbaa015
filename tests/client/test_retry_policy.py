"""The retry schedule: the ladder, then the tail, jitter within its bounds, Retry-After honoured."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotler_connector.queue import RetryPolicy

steps = st.lists(st.integers(1, 100_000), min_size=1, max_size=6).map(tuple)


def test_the_default_ladder_is_the_vendors() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n) for n in range(1, 8)] == [60, 300, 600, 3600, 10800, 21600, 43200]
    assert policy.delay(50) == 43200  # the tail's last step repeats
    assert policy.max_attempts == 10


@given(ladder=steps, tail=steps | st.just(()), failures=st.integers(1, 40))
def test_each_failure_waits_its_step_and_the_last_step_repeats(
    ladder: tuple[int, ...], tail: tuple[int, ...], failures: int
) -> None:
    policy = RetryPolicy(ladder=ladder, tail=tail)
    schedule = (*ladder, *tail)
    expected = schedule[failures - 1] if failures <= len(schedule) else schedule[-1]
    assert policy.delay(failures) == expected


@given(
    failures=st.integers(1, 20),
    jitter=st.floats(0.01, 0.99),
    seed=st.integers(0, 2**32),
)
def test_jitter_stays_within_its_bounds(failures: int, jitter: float, seed: int) -> None:
    policy = RetryPolicy(jitter=jitter)
    plain = RetryPolicy().delay(failures)
    wait = policy.delay(failures, rng=random.Random(seed))
    assert plain * (1 - jitter) <= wait <= plain * (1 + jitter)


@given(
    failures=st.integers(1, 20),
    retry_after=st.floats(0, 10**7, allow_nan=False),
    jitter=st.sampled_from([0.0, 0.2]),
)
def test_retry_after_wins_when_longer_up_to_the_cap(
    failures: int, retry_after: float, jitter: float
) -> None:
    policy = RetryPolicy(jitter=jitter)
    rng_seed = 7
    plain = policy.delay(failures, rng=random.Random(rng_seed))
    wait = policy.delay(failures, retry_after, rng=random.Random(rng_seed))
    # never sooner than the schedule, nor than Spotler asked (up to the cap)
    assert wait == max(plain, min(retry_after, policy.max_retry_after))


@pytest.mark.parametrize(
    "kwargs",
    [{"ladder": ()}, {"ladder": (60, -1)}, {"tail": (0,)}, {"max_attempts": 0}, {"jitter": 1.5}],
)
def test_nonsense_schedules_are_refused_with_a_hint(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"seconds|max_attempts"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
