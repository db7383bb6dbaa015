"""Margin-safe polling of /contact/updates/list and /contact/bounces/list.

Spotler shows a change in these lists some time after it happens. A poller that asks up to
"now" therefore misses changes for good: they appear later with a time inside a window it has
already closed. This poller only asks for windows that end ``margin`` before now (10 minutes by
default, the vendor's advice), starts each window where the last one ended, and walks every page
through ``after``. Progress is saved after each page is handed over, so a crash resumes at the
page, not at the start. Because an offset into a list that can shrink may skip an item, a window
read in more than one request is walked again until a pass hands nothing new. What was handed
over is kept in a small table keyed by (contact, change time), so a change read twice (again in
a second pass, or at the edge shared by two windows) is handed over once.
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from spotler_connector.api import SpotlerClient
from spotler_connector.queue import transaction

Stream = Literal["updates", "bounces"]
SAFE_MARGIN = timedelta(minutes=10)

SCHEMA = """
CREATE TABLE IF NOT EXISTS spotler_poller (
    stream       TEXT PRIMARY KEY,
    watermark_ms INTEGER NOT NULL,   -- every change before this was handed over
    window_to_ms INTEGER,            -- the window in progress, if a run stopped inside one
    after        INTEGER             -- the paging offset reached inside it
);
CREATE TABLE IF NOT EXISTS spotler_poller_seen (
    stream    TEXT NOT NULL,
    change    TEXT NOT NULL,
    change_ms INTEGER NOT NULL,
    PRIMARY KEY (stream, change)
);
"""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def change_key(stream: Stream, item: dict[str, Any]) -> tuple[str, int]:
    """Who changed and when: the identity of one change, for the overlap between windows."""
    contact = item if stream == "updates" else item["contact"]
    who = contact.get("externalId") or contact["encryptedId"]
    when = int(item["lastChanged"] if stream == "updates" else item["date"])
    extra = "" if stream == "updates" else f":{item['type']}"
    return json.dumps([who, when]) + extra, when


@dataclass
class PollResult:
    """What one poll did: the window it closed (None when none was due yet), pages read,
    changes handed over, and changes read again that were not handed over twice."""

    window: tuple[str, str] | None = None
    pages: int = 0
    handed: int = 0
    duplicates: int = 0


class Poller:
    def __init__(
        self,
        api: SpotlerClient,
        db_path: str | Path,
        *,
        stream: Stream = "updates",
        margin: timedelta = SAFE_MARGIN,
        allow_short_margin: bool = False,
        start: datetime | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        page_size: int = 100,
    ) -> None:
        if margin < SAFE_MARGIN:
            if not allow_short_margin:
                raise ValueError(
                    f"a margin of {margin} is shorter than Spotler's advised 10 minutes and will "
                    f"miss late changes; pass allow_short_margin=True if you really mean it"
                )
            warnings.warn(
                f"polling with a margin of {margin}: changes that show up later than that are "
                "missed for good",
                stacklevel=2,
            )
        self.api, self.stream, self.margin, self.clock = api, stream, margin, clock
        self.page_size = page_size
        self.path = str(db_path)
        with self._tx() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            first = _ms(start if start is not None else clock() - margin)
            conn.execute(_START, (stream, first))

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path)

    def watermark(self) -> datetime:
        with self._tx() as conn:
            (ms,) = conn.execute(_WATERMARK, (self.stream,)).fetchone()
        return datetime.fromtimestamp(ms / 1000, UTC)

    def poll(self, handler: Callable[[dict[str, Any]], None]) -> PollResult:
        """Hand every change up to now - margin to ``handler``, once each; return what was done."""
        with self._tx() as conn:
            watermark, window_to, after = conn.execute(_PROGRESS, (self.stream,)).fetchone()
        end = window_to if window_to is not None else _ms(self.clock() - self.margin)
        result = PollResult()
        if end <= watermark:
            return result
        result.window = (_iso(watermark), _iso(end))
        resumed = after is not None
        self._walk(watermark, end, after, handler, result)
        # Paging is by offset over a list that can shrink while it is read (a contact that
        # changes again leaves this window for a later one), so a later page can skip an item.
        # Unless one request read the whole window, walk it again until a pass finds nothing new.
        if result.pages > 1 or resumed:
            while True:
                pages, handed = result.pages, result.handed
                self._walk(watermark, end, None, handler, result)
                if result.handed == handed or result.pages == pages + 1:
                    break
        self._save([], end, None, done=True)
        return result

    def _walk(
        self, watermark: int, end: int, after: int | None,
        handler: Callable[[dict[str, Any]], None], result: PollResult,
    ) -> None:  # fmt: skip
        """Every page of the window from ``after`` on, counted in ``result``."""
        while True:
            page = self._page(watermark, end, after)
            items = page["contacts" if self.stream == "updates" else "bounces"]
            fresh = self._hand_over(items, handler, result)
            has_more = "next" in page["paging"]
            after = page["paging"].get("after") if has_more else None
            self._save(fresh, end, after, done=False)
            result.pages += 1
            if not has_more:
                return

    def _page(self, start_ms: int, end_ms: int, after: int | None) -> dict[str, Any]:
        fetch = self.api.updates_page if self.stream == "updates" else self.api.bounces_page
        return fetch(_iso(start_ms), _iso(end_ms), after=after, page_size=self.page_size)

    def _hand_over(
        self, items: list[dict[str, Any]], handler: Callable[[dict[str, Any]], None],
        result: PollResult,
    ) -> list[tuple[str, int]]:  # fmt: skip
        keys = [change_key(self.stream, item) for item in items]
        with self._tx() as conn:
            changes = json.dumps([change for change, _ in keys])
            seen = {row[0] for row in conn.execute(_SEEN, (self.stream, changes))}
        fresh: list[tuple[str, int]] = []
        try:
            for item, key in zip(items, keys, strict=True):
                if key[0] in seen:
                    result.duplicates += 1
                    continue
                handler(item)
                seen.add(key[0])
                fresh.append(key)
                result.handed += 1
        except BaseException:
            self._remember(fresh)  # the handler failed: what it did take is not handed again
            raise
        return fresh

    def _remember(self, fresh: list[tuple[str, int]]) -> None:
        with self._tx() as conn:
            conn.executemany(
                _REMEMBER,
                [(self.stream, key, ms) for key, ms in fresh],
            )

    def _save(
        self, fresh: list[tuple[str, int]], end: int, after: int | None, *, done: bool
    ) -> None:
        self._remember(fresh)
        with self._tx() as conn:
            if done:
                conn.execute(_CLOSE_WINDOW, (end, self.stream))
                # only changes at the new edge can come again
                conn.execute(_FORGET_BEFORE, (self.stream, end))
            else:
                conn.execute(_SAVE_PLACE, (end, after, self.stream))


# ---- SQL statements -----------------------------------------------------------------------------
# Named at module level, out of mutmut's reach (it mutates code inside functions only): its
# mutants of statement text only changed letter case, which SQLite ignores in keywords and names.
# What they do is pinned by the poller's tests (tests/client/test_poller*.py).

_START = "INSERT OR IGNORE INTO spotler_poller (stream, watermark_ms) VALUES (?, ?)"
_WATERMARK = "SELECT watermark_ms FROM spotler_poller WHERE stream = ?"
_PROGRESS = "SELECT watermark_ms, window_to_ms, after FROM spotler_poller WHERE stream = ?"
# Which of a page's changes (a JSON list) were handed over already.
_SEEN = """
SELECT change FROM spotler_poller_seen
WHERE stream = ? AND change IN (SELECT value FROM json_each(?))
"""
_REMEMBER = "INSERT OR IGNORE INTO spotler_poller_seen (stream, change, change_ms) VALUES (?, ?, ?)"
_CLOSE_WINDOW = """
UPDATE spotler_poller SET watermark_ms = ?, window_to_ms = NULL, after = NULL WHERE stream = ?
"""
_FORGET_BEFORE = "DELETE FROM spotler_poller_seen WHERE stream = ? AND change_ms < ?"
_SAVE_PLACE = "UPDATE spotler_poller SET window_to_ms = ?, after = ? WHERE stream = ?"
