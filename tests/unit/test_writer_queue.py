"""Write transactions wait their turn in a queue, within a worker and across workers, not in
SQLite's busy handler: a writer queued behind another begins once that one has committed, however
long it waited, and never meets a locked database.

Each second writer here has a busy timeout of 0: had it reached ``BEGIN IMMEDIATE`` while the
first transaction was open, SQLite would have refused it at once with "database is locked".
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from spotler_sim.store import Database
from tests.waiting import wait_for


def nonces(db: Database) -> list[str]:
    with db.read() as conn:
        return [row[0] for row in conn.execute("SELECT nonce FROM nonces ORDER BY nonce")]


def add(conn: sqlite3.Connection, nonce: str) -> None:
    conn.execute("INSERT INTO nonces (key, timestamp, nonce) VALUES ('k', 1, ?)", (nonce,))


def write_in_thread(db: Database, nonce: str) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def write() -> None:
        try:
            with db.write() as conn:
                add(conn, nonce)
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    return thread, failures


def test_a_writer_of_another_worker_waits_for_the_open_transaction(tmp_path: Path) -> None:
    path = str(tmp_path / "queue.db")
    first, second = Database(path), Database(path, busy_timeout_ms=0)  # two workers' files
    with first.write() as conn:
        add(conn, "a")
        thread, failures = write_in_thread(second, "b")
        wait_for(lambda: second.writers.waiting == 1, "the second writer to queue", timeout=30)
    thread.join(30)
    assert failures == []
    assert nonces(first) == ["a", "b"]


def test_threads_of_one_worker_take_turns(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "queue.db"), busy_timeout_ms=0)
    with db.write() as conn:
        add(conn, "a")
        started = [write_in_thread(db, name) for name in "bcd"]
        wait_for(lambda: db.writers.waiting == 3, "three writers to queue", timeout=30)
    for thread, failures in started:
        thread.join(30)
        assert failures == []
    assert nonces(db) == ["a", "b", "c", "d"]


def test_a_forked_worker_queues_on_its_own(tmp_path: Path) -> None:
    """gunicorn forks its workers: a child must not share the parent's place in the queue."""
    path = str(tmp_path / "queue.db")
    parent = Database(path, busy_timeout_ms=0)
    with parent.write() as conn:
        add(conn, "a")  # the parent has its queue file open and its turn taken
    commit, committed = os.pipe()
    held, hold = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a worker writing while the parent waits for it
        status = 1
        try:
            with parent.write() as conn:
                add(conn, "b")
                os.write(hold, b"x")
                os.read(commit, 1)
            status = 0
        finally:
            os._exit(status)
    try:
        os.read(held, 1)  # the child's transaction is open
        thread, failures = write_in_thread(parent, "c")
        wait_for(lambda: parent.writers.waiting == 1, "the parent's writer to queue", timeout=30)
    finally:
        os.write(committed, b"x")  # the child commits (and never outlives a failed test)
        _, status = os.waitpid(pid, 0)
    thread.join(30)
    assert status == 0 and failures == []
    assert nonces(parent) == ["a", "b", "c"]


def test_a_write_inside_a_transaction_is_refused_not_queued_behind_itself(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "queue.db"))
    refused = pytest.raises(sqlite3.OperationalError, match="within a transaction")
    with db.read(), refused, db.write():
        pass
    with db.write() as conn:  # the queue is free again
        add(conn, "a")
    assert nonces(db) == ["a"]


def test_a_commit_that_fails_drops_the_transaction_and_frees_the_queue(tmp_path: Path) -> None:
    """SQLite keeps a transaction open when its COMMIT fails (a deferred constraint): left so,
    the thread could never write again and the queue would be given back mid-transaction."""
    db = Database(str(tmp_path / "queue.db"), busy_timeout_ms=0)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), db.write() as conn:
        add(conn, "a")
        conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.execute(
            "CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        conn.execute("INSERT INTO child VALUES (1)")  # no parent 1: refused at COMMIT
    assert not db.connection().in_transaction
    with db.write() as conn:  # this thread writes again, and so does another worker's file
        add(conn, "b")
    with Database(db.path, busy_timeout_ms=0).write() as conn:
        add(conn, "c")
    assert nonces(db) == ["b", "c"]
