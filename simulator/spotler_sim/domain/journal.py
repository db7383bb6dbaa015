"""How much of the request journal is kept: a cap on rows and on bytes, the oldest calls pruned
first, and every text a call brings (path, query, headers, bodies) clipped alike."""

from __future__ import annotations

import re
from dataclasses import dataclass

CLIPPED = "...(clipped)"
_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2}
_UNITS |= {"mib": 1024**2, "g": 1000**3, "gb": 1000**3, "gib": 1024**3}
_PART = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$")
# A row is never bigger than this many clipped texts; the cap on bytes must hold a few of them.
_TEXTS_PER_ROW = 6


@dataclass(frozen=True)
class JournalLimit:
    rows: int = 100_000
    bytes: int = 256 * 1024**2
    clip: int = 64 * 1024  # characters kept of each text of a call

    def __post_init__(self) -> None:
        if self.rows < 1 or self.clip < 1:
            raise ValueError("the journal keeps at least one call of at least one character")
        if self.bytes < 4 * _TEXTS_PER_ROW * self.clip:
            raise ValueError(
                f"a journal of {self.bytes:,} bytes holds too few calls of up to "
                f"{_TEXTS_PER_ROW * self.clip:,} bytes: allow at least "
                f"{-(-4 * _TEXTS_PER_ROW * self.clip // 1024**2)} MiB"
            )

    def clipped(self, text: str) -> str:
        return text if len(text) <= self.clip else text[: self.clip] + CLIPPED

    @classmethod
    def parse(cls, text: str) -> JournalLimit:
        """``--journal-max``: ``ROWS``, ``SIZE`` (with a unit: 64MiB, 500MB) or both, comma
        separated (``50000,64MiB``); what is not given keeps its default."""
        rows, size = cls.rows, cls.bytes
        parts = [p for p in text.lower().split(",") if p.strip()]
        if not parts or len(parts) > 2:
            raise ValueError(_usage(text))
        for part in parts:
            found = _PART.match(part)
            if found is None or found.group(2) not in _UNITS:
                raise ValueError(_usage(text))
            number, unit = float(found.group(1)), found.group(2)
            if unit:
                size = int(number * _UNITS[unit])
            elif number.is_integer():
                rows = int(number)
            else:
                raise ValueError(_usage(text))
        return cls(rows=rows, bytes=size)


def _usage(text: str) -> str:
    return (
        f"cannot read the journal cap {text!r}: give a number of calls (50000), a size with a "
        f"unit (64MiB, 500MB) or both separated by a comma (50000,64MiB)"
    )
