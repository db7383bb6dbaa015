"""Reading the ``fromDate``/``toDate`` values real clients send, and the windows they make.

Accepted (all seen in public clients): a date alone; a date-time without zone, read as
Europe/Amsterdam local time (the vendor's own connector declares that zone); with ``Z`` or an
offset (``+02:00``, ``+0200``, or a space where a client did not encode ``+``); with fractional
seconds. A date alone means the start of that day for ``fromDate`` and its end for ``toDate``.
Both bounds are inclusive. Instants beyond what a date can hold (before 0001-01-01 or after
9999-12-31 in UTC, e.g. a ``toDate`` of 9999-12-31 meaning "no end") are clamped to those limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from spotler_sim.errors import SpotlerError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_FORM = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<frac>\.\d{1,9})?"
    r"(?P<zone>Z|[+\- ]\d{2}:?\d{2})?)?$"
)
FORMAT_HINT = "use yyyy-mm-ddThh:mm:ss, optionally with Z or an offset such as +02:00"


def seed_instant_ms(value: int | str | None, default: int, *, name: str = "date") -> int:
    """An instant of a fixture or snapshot: epoch milliseconds, or ISO 8601 text (as
    :func:`parse_instant_ms` reads it); ``default`` when absent."""
    if value is None:
        return default
    return value if isinstance(value, int) else parse_instant_ms(str(value), name=name)


def parse_instant_ms(value: str, *, name: str = "date", end_of_day: bool = False) -> int:
    """Epoch milliseconds of an ISO-8601-like value; a bad value raises INVALID_PARAMS."""
    match = _FORM.match(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        day = date.fromisoformat(match["date"])
        if match["time"] is None:
            if not end_of_day:
                return _clamped(datetime.combine(day, time(), AMSTERDAM))
            if day == date.max:
                return _MAX_MS
            return _clamped(datetime.combine(day + timedelta(days=1), time(), AMSTERDAM)) - 1
        clock = time.fromisoformat(match["time"])
        micros = int((match["frac"] or ".0")[1:7].ljust(6, "0"))
        naive = datetime.combine(day, clock).replace(microsecond=micros)
        return _clamped(naive.replace(tzinfo=_zone(match["zone"])))
    except ValueError:
        raise SpotlerError.invalid_params(f"Invalid {name} {value!r}: {FORMAT_HINT}") from None


def _zone(text: str | None) -> tzinfo:
    """Amsterdam when there is no zone, else UTC or the offset; impossible offsets are refused."""
    if text is None:
        return AMSTERDAM
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _epoch_ms(moment: datetime) -> int:
    # Subtracting aware datetimes never leaves the datetime range, unlike converting to UTC.
    return (moment - _EPOCH) // _MS


_MIN_MS = _epoch_ms(datetime.min.replace(tzinfo=UTC))
_MAX_MS = _epoch_ms(datetime.max.replace(tzinfo=UTC))


def _clamped(moment: datetime) -> int:
    return min(max(_epoch_ms(moment), _MIN_MS), _MAX_MS)


def iso_utc(epoch_ms: int) -> str:
    """An instant as ISO 8601 in UTC with milliseconds, for admin answers and logs."""
    moment = _EPOCH + epoch_ms * _MS  # exact, unlike a float timestamp
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Window:
    from_ms: int
    to_ms: int

    @classmethod
    def parse(cls, from_date: str | None, to_date: str | None) -> Window:
        if not from_date:
            raise SpotlerError.invalid_params(
                f"Invalid fromDate or no fromDate given: {FORMAT_HINT}"
            )
        if not to_date:
            raise SpotlerError.invalid_params(f"Invalid toDate or no toDate given: {FORMAT_HINT}")
        window = cls(
            parse_instant_ms(from_date, name="fromDate"),
            parse_instant_ms(to_date, name="toDate", end_of_day=True),
        )
        if window.from_ms > window.to_ms:
            raise SpotlerError.invalid_params(
                f"fromDate {from_date!r} is after toDate {to_date!r}: swap them"
            )
        return window
