"""Reading fromDate/toDate in every form public clients send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.domain.timewindows import AMSTERDAM, Window, iso_utc, parse_instant_ms
from spotler_sim.errors import SpotlerError


def ms(*args: int, tz=UTC) -> int:  # type: ignore[no-untyped-def]
    return int(datetime(*args, tzinfo=tz).timestamp() * 1000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-07-01T12:00:00", ms(2026, 7, 1, 10)),  # summer time, no zone: Amsterdam (UTC+2)
        ("2026-01-15T12:00:00", ms(2026, 1, 15, 11)),  # winter time (UTC+1)
        ("2026-01-15T12:00", ms(2026, 1, 15, 11)),
        ("2026-01-15T12:00:00Z", ms(2026, 1, 15, 12)),
        ("2026-01-15T12:00:00+02:00", ms(2026, 1, 15, 10)),
        ("2026-01-15T12:00:00-0300", ms(2026, 1, 15, 15)),
        ("2026-01-15T12:00:00 02:00", ms(2026, 1, 15, 10)),  # '+' decoded to a space
        ("2026-01-15T12:00:00.250Z", ms(2026, 1, 15, 12) + 250),
        ("2026-01-15T12:00:00.123456789Z", ms(2026, 1, 15, 12) + 123),
        ("2026-01-15", ms(2026, 1, 15, 0, tz=AMSTERDAM)),
    ],
)
def test_accepted_forms(value: str, expected: int) -> None:
    assert parse_instant_ms(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2026-13-01",
        "2026-02-30",
        "2026-01-15T25:00:00",
        "15-01-2026",
        "2026-01-15T12:00:00+2",
        "2026-01-15T12:00:00+01:60",
        "2026-01-15T12:00:00+24:00",
    ],
)
def test_refused_forms_name_the_parameter_and_the_format(value: str) -> None:
    with pytest.raises(SpotlerError) as refused:
        parse_instant_ms(value, name="fromDate")
    assert refused.value.error_type == "INVALID_PARAMS"
    assert "fromDate" in refused.value.message and "yyyy-mm-dd" in refused.value.message


def test_a_date_alone_as_todate_covers_the_whole_day() -> None:
    window = Window.parse("2026-03-29", "2026-03-29")  # the day summer time starts: 23 hours
    assert window.to_ms - window.from_ms == 23 * 3600 * 1000 - 1


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    st.integers(-12 * 60, 14 * 60),
)
def test_any_instant_with_any_offset_reads_back_to_the_same_millisecond(
    moment: datetime, offset_minutes: int
) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    shifted = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    exact = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    assert parse_instant_ms(shifted.isoformat()) == exact  # not a float timestamp: it rounds


@pytest.mark.parametrize(
    ("value", "end_of_day", "expected"),
    [
        ("9999-12-31", True, "9999-12-31T23:59:59.999Z"),
        ("9999-12-31T23:59:59-14:00", False, "9999-12-31T23:59:59.999Z"),
        ("0001-01-01T00:00:00+14:00", False, "0001-01-01T00:00:00.000Z"),
        ("0001-01-01", False, "0001-01-01T00:00:00.000Z"),
    ],
)
def test_instants_beyond_the_calendar_are_clamped_to_its_ends(
    value: str, end_of_day: bool, expected: str
) -> None:
    assert iso_utc(parse_instant_ms(value, end_of_day=end_of_day)) == expected
