"""Values that clients send in two forms, reduced to the one form the simulator stores.

The contract has already checked the form (``Cents``, ``Flag``, ``LooseDateTime``); these
functions only convert. Amounts are whole cents (``8995`` or ``"8995"``), flags booleans
(``true`` or ``"true"``).
"""

from __future__ import annotations

from typing import Any

from spotler_sim.domain.timewindows import FORMAT_HINT, parse_instant_ms
from spotler_sim.errors import SpotlerError


def cents(value: Any) -> int:
    """``8995``, ``8995.0`` or ``"8995"`` -> 8995."""
    return int(value) if not isinstance(value, str) else int(value.strip())


def optional_cents(value: Any) -> int | None:
    return None if value is None else cents(value)


def flag(value: Any, default: bool) -> bool:
    """``True``/``"true"`` -> True, ``False``/``"false"`` -> False, absent -> the default."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def moment_ms(value: str, *, name: str) -> int:
    """An ISO 8601 date-time (without offset: Europe/Amsterdam) as epoch milliseconds.

    The contract's pattern lets through values no calendar has (month 13, 25 o'clock); those are
    refused here with INVALID_PARAMS naming ``name``.
    """
    try:
        return parse_instant_ms(value, name=name)
    except SpotlerError:
        raise SpotlerError.invalid_params(f"Illegal {name} {value!r}: {FORMAT_HINT}") from None
