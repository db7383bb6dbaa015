"""Offset paging as the Spotler API does it: ``after`` is the offset of the first record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10000
HISTORY_PAGE_SIZE = 50  # contact mailing histories: fixed, not settable


@dataclass(frozen=True)
class PageRequest:
    after: int = 0
    size: int = DEFAULT_PAGE_SIZE

    @property
    def fetch(self) -> int:
        """Rows to read: one more than the page, to know whether a next page exists."""
        return self.size + 1


@dataclass(frozen=True)
class Page:
    items: list[Any]
    after: int  # offset of the following page
    has_more: bool

    @classmethod
    def cut(cls, rows: list[Any], request: PageRequest) -> Page:
        items = rows[: request.size]
        return cls(items, request.after + len(items), len(rows) > request.size)
