"""Checkpoints run outside the writer's turn: SQLite's own ran in the commit that filled the WAL,
while that writer still held the turn, and every other worker's writer waited for its fsyncs.

A process checkpoints once its commits weigh ``CHECKPOINT_AT`` (one each, and one more for every
50 rows a commit changed), and another writer can take the turn while it does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.store import database
from spotler_sim.store.database import Database, WriterQueue
from tests.turns import turn_is_free


class Checkpoints:
    """Watches one connection's statements: each checkpoint it runs, and whether another
    worker could take the writer's turn at that moment."""

    def __init__(self, db: Database) -> None:
        self.turn_free: list[bool] = []
        self._other = WriterQueue(db.path)  # another worker's place in the queue
        db.connection().set_trace_callback(self._seen)

    def _seen(self, statement: str) -> None:
        if statement.startswith("PRAGMA wal_checkpoint"):
            self.turn_free.append(turn_is_free(self._other))


def add_rows(db: Database, first: int, count: int) -> None:
    with db.write() as conn:
        conn.executemany(
            "INSERT INTO nonces (timestamp, key, nonce) VALUES (?, 'k', 'n')",
            [(n,) for n in range(first, first + count)],
        )


def test_sqlite_checkpoints_nothing_on_its_own(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "sim.db"))
    (pages,) = db.connection().execute("PRAGMA wal_autocheckpoint").fetchone()
    assert pages == 0


def test_a_checkpoint_runs_after_enough_commits_with_the_turn_given_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "CHECKPOINT_AT", 5)
    db = Database(str(tmp_path / "sim.db"))
    seen = Checkpoints(db)
    for n in range(4):
        add_rows(db, n, 1)
    assert seen.turn_free == []  # four commits weigh four
    add_rows(db, 4, 1)
    assert seen.turn_free == [True]  # the fifth: a checkpoint, while another could write
    # and it did its work: the WAL holds nothing the file does not
    raw = sqlite3.connect(db.path)
    busy, logged, copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    raw.close()
    assert (busy, logged) == (0, copied)


def test_a_large_commit_weighs_its_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "CHECKPOINT_AT", 5)
    db = Database(str(tmp_path / "sim.db"))
    seen = Checkpoints(db)
    add_rows(db, 0, 4 * 50)  # weighs 1 + 4
    assert seen.turn_free == [True]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=40))
def test_checkpoints_come_when_the_weight_reaches_the_mark(rows: list[int]) -> None:
    """Whatever the commits' sizes: a checkpoint after exactly the commits that bring the weight
    since the last one to the mark, and none in between."""
    at = 12
    db = Database(":memory:")
    db.connection().execute("CREATE TABLE t (n INTEGER)")
    ran: list[str] = []
    db.connection().set_trace_callback(
        lambda s: ran.append(s) if s.startswith("PRAGMA wal_checkpoint") else None
    )
    expected: list[int] = []
    got: list[int] = []
    weight = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(database, "CHECKPOINT_AT", at)
        for index, count in enumerate(rows):
            before = len(ran)
            with db.write() as conn:
                conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(count)])
            if len(ran) > before:
                got.append(index)
            weight += 1 + count // 50
            if weight >= at:
                expected.append(index)
                weight = 0
    assert got == expected
