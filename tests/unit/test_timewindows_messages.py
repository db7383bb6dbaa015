"""The edges of reading instants and windows: the last offsets that exist, fixture instants, a
window of one instant, and the exact message each refusal gives (it names the parameter)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spotler_sim.domain.timewindows import (
    FORMAT_HINT,
    Window,
    parse_instant_ms,
    seed_instant_ms,
)
from spotler_sim.errors import SpotlerError

NOON = int(datetime(2026, 1, 15, 12, tzinfo=UTC).timestamp() * 1000)
HOUR = 3_600_000


def refusal(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SpotlerError) as refused:
        call()
    assert refused.value.status == 400 and refused.value.error_type == "INVALID_PARAMS"
    return refused.value.message


@pytest.mark.parametrize(
    ("offset", "shift_ms"),
    [("+23:59", -(23 * HOUR + 59 * 60_000)), ("-2359", 23 * HOUR + 59 * 60_000), ("+00:00", 0)],
)
def test_the_largest_offsets_are_read(offset: str, shift_ms: int) -> None:
    assert parse_instant_ms(f"2026-01-15T12:00:00{offset}") == NOON + shift_ms


def test_a_refusal_names_the_value_and_the_format() -> None:
    assert refusal(lambda: parse_instant_ms("soon")) == f"Invalid date 'soon': {FORMAT_HINT}"
    assert (
        refusal(lambda: parse_instant_ms("2026-01-15T12:00:00+24:00", name="toDate"))
        == f"Invalid toDate '2026-01-15T12:00:00+24:00': {FORMAT_HINT}"
    )


def test_fixture_instants_are_milliseconds_or_text_with_a_default() -> None:
    assert seed_instant_ms(None, 42) == 42
    assert seed_instant_ms(0, 42) == 0
    assert seed_instant_ms(NOON, 42) == NOON
    assert seed_instant_ms("2026-01-15T12:00:00Z", 42) == NOON
    assert refusal(lambda: seed_instant_ms("later", 42)) == f"Invalid date 'later': {FORMAT_HINT}"
    assert (
        refusal(lambda: seed_instant_ms("later", 42, name="created"))
        == f"Invalid created 'later': {FORMAT_HINT}"
    )


@pytest.mark.parametrize("missing", [None, ""])
def test_a_window_needs_both_ends(missing: str | None) -> None:
    assert refusal(lambda: Window.parse(missing, "2026-01-15")) == (
        f"Invalid fromDate or no fromDate given: {FORMAT_HINT}"
    )
    assert refusal(lambda: Window.parse("2026-01-15", missing)) == (
        f"Invalid toDate or no toDate given: {FORMAT_HINT}"
    )


def test_a_bad_end_is_named_in_the_refusal() -> None:
    assert refusal(lambda: Window.parse("x", "2026-01-15")) == (
        f"Invalid fromDate 'x': {FORMAT_HINT}"
    )
    assert refusal(lambda: Window.parse("2026-01-15", "y")) == f"Invalid toDate 'y': {FORMAT_HINT}"


def test_a_window_may_be_one_instant_but_not_reversed() -> None:
    instant = "2026-01-15T12:00:00Z"
    assert Window.parse(instant, instant) == Window(NOON, NOON)
    assert refusal(lambda: Window.parse("2026-01-15T12:00:01Z", instant)) == (
        "fromDate '2026-01-15T12:00:01Z' is after toDate '2026-01-15T12:00:00Z': swap them"
    )
