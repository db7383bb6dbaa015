"""Reading the ``fromDate``/``toDate`` values real clients send, and the windows they make.

Accepted (all seen in public clients): a date alone; a date-time without zone, read as
Europe/Amsterdam local time (the vendor's own connector declares that zone); with ``Z`` or an
offset (``+02:00``, ``+0200``, or a space where a client did not encode ``+``); with fractional
seconds. A date alone means the start of that day for ``fromDate`` and its end for ``toDate``.
Both bounds are inclusive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from simulator.errors import SpotlerError

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_FORM = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)(?P<frac>\.\d{1,9})?"
    r"(?P<zone>Z|[+\- ]\d{2}:?\d{2})?)?$"
)
FORMAT_HINT = "use yyyy-mm-ddThh:mm:ss, optionally with Z or an offset such as +02:00"


def parse_instant_ms(value: str, *, name: str = "date", end_of_day: bool = False) -> int:
    """Epoch milliseconds of an ISO-8601-like value; a bad value raises INVALID_PARAMS."""
    match = _FORM.match(value.strip())
    try:
        if match is None:
            raise ValueError(value)
        day = date.fromisoformat(match["date"])
        if match["time"] is None:
            moment = datetime.combine(day, time(), AMSTERDAM)
            if end_of_day:
                moment = datetime.combine(day + timedelta(days=1), time(), AMSTERDAM)
                return _epoch_ms(moment) - 1
            return _epoch_ms(moment)
        clock = time.fromisoformat(match["time"])
        micros = int((match["frac"] or ".0")[1:7].ljust(6, "0"))
        naive = datetime.combine(day, clock).replace(microsecond=micros)
        zone = match["zone"]
        if zone is None:
            return _epoch_ms(naive.replace(tzinfo=AMSTERDAM))
        if zone == "Z":
            return _epoch_ms(naive.replace(tzinfo=UTC))
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return _epoch_ms(naive.replace(tzinfo=UTC) - sign * offset)
    except ValueError:
        raise SpotlerError.invalid_params(f"Invalid {name} {value!r}: {FORMAT_HINT}") from None


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def iso_utc(epoch_ms: int) -> str:
    """An instant as ISO 8601 in UTC with milliseconds, for admin answers and logs."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
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
