"""The request journal is bounded: the newest calls within a cap on rows and on bytes, the
oldest pruned first, and every text of a call clipped alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.domain.journal import CLIPPED, JournalLimit
from spotler_sim.store import Database, journal
from tests.journal_rows import stored


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    db = Database(str(tmp_path / "journal.db"))
    with db.write() as connection:
        yield connection
    db.close()


def kept(conn: sqlite3.Connection) -> list[int]:
    return [row[0] for row in conn.execute("SELECT wall_ms FROM journal ORDER BY id")]


def test_the_oldest_calls_beyond_the_row_cap_are_pruned(conn: sqlite3.Connection) -> None:
    limit = JournalLimit(rows=5)
    for n in range(12):
        journal.record(conn, stored(n), limit)
    assert kept(conn) == [7, 8, 9, 10, 11]


def test_the_oldest_calls_beyond_the_byte_cap_are_pruned(conn: sqlite3.Connection) -> None:
    limit = JournalLimit(bytes=2400, clip=100)
    for n in range(40):
        journal.record(conn, stored(n, body="x" * 90), limit)
    sizes = conn.execute("SELECT count(*), sum(size) FROM journal").fetchone()
    assert sizes[1] <= 2400 and sizes[0] < 40
    assert kept(conn) == list(range(40 - sizes[0], 40))  # the newest, in order


def test_queries_and_bodies_are_clipped_alike(conn: sqlite3.Connection) -> None:
    limit = JournalLimit(bytes=10_000, clip=100)
    journal.record(conn, stored(1, body="b" * 500, query="q=" + "a" * 500), limit)
    [row] = journal.entries(conn, {}, 0, 10)
    assert row["query"] == ("q=" + "a" * 500)[:100] + CLIPPED
    assert row["request_body"] == "b" * 100 + CLIPPED
    assert row["request_headers"] == "{}"  # JSON stays whole


def test_clearing_the_journal_frees_its_bytes(conn: sqlite3.Connection) -> None:
    limit = JournalLimit()
    for n in range(3):
        journal.record(conn, stored(n, body="x" * 50), limit)
    journal.clear(conn)
    assert journal.size(conn) == 0


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 8),
    clip=st.integers(10, 40),
    spare=st.integers(0, 300),
    bodies=st.lists(st.integers(0, 60), min_size=1, max_size=30),
)
def test_the_journal_keeps_the_newest_calls_within_both_caps(
    rows: int, clip: int, spare: int, bodies: list[int]
) -> None:
    limit = JournalLimit(rows=rows, bytes=24 * clip + spare, clip=clip)
    db = Database(":memory:")
    with db.write() as connection:
        for n, length in enumerate(bodies):
            journal.record(connection, stored(n, body="é" * length), limit)
            count, total = connection.execute("SELECT count(*), sum(size) FROM journal").fetchone()
            assert count <= rows and total <= limit.bytes
            # the newest call is always kept, and what is kept is the newest ones, in order
            assert kept(connection) == list(range(n - count + 1, n + 1))
            assert journal.size(connection) == total
    db.close()


@pytest.mark.parametrize(
    ("text", "rows", "size"),
    [
        ("50000", 50_000, JournalLimit.bytes),
        ("64MiB", JournalLimit.rows, 64 * 1024**2),
        ("2000, 500MB", 2000, 500_000_000),
        ("1.5GiB,10", 10, int(1.5 * 1024**3)),
    ],
)
def test_journal_max_reads_rows_sizes_or_both(text: str, rows: int, size: int) -> None:
    assert JournalLimit.parse(text) == JournalLimit(rows=rows, bytes=size)


@pytest.mark.parametrize("text", ["", "lots", "10 parsecs", "1.5", "1,2,3", "-4", "0"])
def test_a_journal_max_it_cannot_read_says_what_to_give(text: str) -> None:
    with pytest.raises(ValueError, match=r"give a number of calls|at least one call"):
        JournalLimit.parse(text)


def test_a_byte_cap_too_small_for_a_few_calls_is_refused() -> None:
    with pytest.raises(ValueError, match=r"allow at least 2 MiB"):
        JournalLimit.parse("1MiB")


def test_a_file_that_kept_the_bytes_by_triggers_opens_and_counts_its_new_calls(
    tmp_path: Path,
) -> None:
    """Files from before kept the journal's bytes in a table of their own through triggers on
    insert and delete: both must be gone once the file is opened (the table is)."""
    path = str(tmp_path / "old.db")
    Database(path).close()
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE journal_size (id INTEGER PRIMARY KEY, bytes INTEGER NOT NULL);"
        "INSERT INTO journal_size VALUES (1, 0);"
        "CREATE TRIGGER journal_added AFTER INSERT ON journal BEGIN "
        "UPDATE journal_size SET bytes = bytes + NEW.size WHERE id = 1; END;"
        "CREATE TRIGGER journal_removed AFTER DELETE ON journal BEGIN "
        "UPDATE journal_size SET bytes = bytes - OLD.size WHERE id = 1; END;"
    )
    old.close()
    db = Database(path)
    with db.write() as connection:
        for n in range(5):
            journal.record(connection, stored(n, body="x" * 50), JournalLimit(rows=3))
        (total,) = connection.execute("SELECT sum(size) FROM journal").fetchone()
        assert journal.size(connection) == total and kept(connection) == [2, 3, 4]
    db.close()
