"""One SQLite file in WAL mode, one connection per thread and process.

Several gunicorn workers open the same file; WAL lets readers run beside the single writer, and
``BEGIN IMMEDIATE`` makes every write transaction take the write lock up front, so two workers
never interleave half of a change.

Writers queue before they begin (``WriterQueue``): a thread lock within the process and an
``flock`` on a file beside the database across processes, both woken the moment the writer
before them commits. Left to SQLite, a waiting writer polls the lock with sleeps that grow to
100 ms: at 16 threads in two workers most of a call's time went to those sleeps while the
lock stood free. ``busy_timeout`` still covers writers that do not queue (another program on the
file, SQLite's backup API).

A commit hands its pages to the operating system and goes on (``synchronous=OFF``): whatever
happens to the simulator's processes (a killed worker, a crash, Ctrl-C), what they committed is
in the file. Only a crash of the machine itself can lose the last commits, or leave a file to
build again from its fixture; ``durable`` (``serve --durable``) syncs to the disk at every
checkpoint as well, as SQLite's ``synchronous=NORMAL`` does. Every call writes (its nonce and
its journal entry), and those syncs held the write turn 1 to 4 ms at every checkpoint, the other
workers waiting on it: a commit cost 40 us of CPU without them against 50 to 65 us with them.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any, TypeVar

from spotler_sim.process import process_id

T = TypeVar("T")
SCHEMA = resources.files("spotler_sim.store").joinpath("schema.sql").read_text(encoding="utf-8")
# Columns schema.sql gained after its table was first created: (table, column, declaration).
# A database file kept from an earlier version (``--db``) gets them when it is opened.
ADDED_COLUMNS = (
    ("accounts", "licence", "TEXT NOT NULL DEFAULT 'eCommerce'"),
    ("journal", "size", "INTEGER NOT NULL DEFAULT 0"),
    ("accounts", "retired", "INTEGER NOT NULL DEFAULT 0"),
    ("accounts", "position", "INTEGER"),
    ("journal", "response_headers", "TEXT"),
    ("accounts", "rate_limit", "TEXT"),
    ("journal", "rate_limit", "TEXT"),
    ("journal", "upto", "INTEGER NOT NULL DEFAULT 0"),
    ("contacts", "encrypted_given", "INTEGER NOT NULL DEFAULT 1"),  # every row kept: given
)
# The index of the given encryptedIds (schema.sql, beside contacts): made once the column it
# names is there, after ADDED_COLUMNS (an earlier version's file has not got it before).
ENCRYPTED_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS contacts_given_encrypted "
    "ON contacts (account_id, encrypted_id) WHERE encrypted_given = 1"
)

# The nonces table as schema.sql creates it (the rebuild of an older file creates it so too).
NONCES = SCHEMA[SCHEMA.index("CREATE TABLE IF NOT EXISTS nonces") :].split(";", 1)[0]


def _nonces_keyed_by_key(conn: sqlite3.Connection) -> bool:
    first = conn.execute("SELECT name FROM pragma_table_info('nonces') WHERE pk = 1").fetchone()
    return first is not None and first[0] == "key"


class Connection(sqlite3.Connection):
    """A connection of one thread, with what it has read of the database's generation under
    ``kept()`` (the callers, store/accounts.py; the fault rules, store/faults.py; the clock,
    store/clock.py; whether a call may wait, store/waits.py): valid while the generation label
    is the one they were read at.

    Inside a read transaction the label cannot change: it is read once per transaction there
    (``Database.begin_read`` and ``Database.begin`` say which kind is open)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.generation = -1
        self.kept: dict[str, Any] = {}  # see kept()
        self.snapshot = False  # the transaction open (if any) is a read transaction
        self.checked = False  # the label was read in that read transaction

    def refresh(self) -> None:
        """Forget what was read at an older generation (one read of its label, none when this
        read transaction has read it already)."""
        if self.checked and self.in_transaction:
            return
        (generation,) = self.execute("SELECT n FROM generation WHERE id = 1").fetchone()
        self.checked = self.snapshot and self.in_transaction
        if generation != self.generation:
            self.kept.clear()
            self.generation = generation

    def began(self, *, snapshot: bool) -> None:
        """A transaction began: a read transaction (``snapshot``) or a write transaction."""
        self.snapshot, self.checked = snapshot, False

    def end_read(self) -> None:
        """End the read transaction ``Database.begin_read()`` began: nothing is known of the
        next transaction's snapshot (even one that a SAVEPOINT begins)."""
        try:
            self.execute("COMMIT")
        finally:
            self.snapshot = self.checked = False


def kept(conn: sqlite3.Connection, name: str, read: Callable[[sqlite3.Connection], T]) -> T:
    """What ``read`` answers, kept under ``name`` on a connection of ours while the generation
    label stands (read again by any other connection)."""
    if not isinstance(conn, Connection):
        return read(conn)
    conn.refresh()
    if name not in conn.kept:
        conn.kept[name] = read(conn)
    found: T = conn.kept[name]
    return found


class WriterQueue:
    """Where write transactions wait their turn, in this process and across processes.

    A database in memory is private to its connection: threads queue, nothing else does.
    """

    def __init__(self, path: str) -> None:
        in_memory = path in ("", ":memory:") or path.startswith("file:")
        self.path = None if in_memory else path + "-writer"
        self._pid = -1
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self.waiting = 0  # writers of this process waiting for their turn
        self._count_lock = threading.Lock()

    def take(self) -> None:
        """Wait until no other writer of this file is in a transaction; hold that until
        ``give_back()``. A writer whose turn is free takes it without counting as waiting."""
        self._after_fork()
        if not self._thread_lock.acquire(blocking=False):
            self._wait(self._thread_lock.acquire)
        try:
            fd = self._file()
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    self._wait(lambda: fcntl.flock(fd, fcntl.LOCK_EX))  # releases the GIL
        except BaseException:
            self._thread_lock.release()
            raise

    def give_back(self) -> None:
        """End the turn ``take()`` took."""
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _wait(self, until: Callable[[], object]) -> None:
        with self._count_lock:
            self.waiting += 1
        try:
            until()
        finally:
            with self._count_lock:
                self.waiting -= 1

    def _after_fork(self) -> None:
        """A forked worker queues on its own: the parent's lock state and open file are not its
        (an inherited descriptor would share the parent's place in the queue)."""
        if self._pid != process_id():
            self._pid = process_id()
            self._thread_lock = threading.Lock()
            self._fd = None

    def _file(self) -> int | None:
        if self._fd is None and self.path is not None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def close(self) -> None:
        if self._fd is not None and self._pid == process_id():
            os.close(self._fd)
        self._fd = None

    __del__ = close


class Database:
    def __init__(self, path: str, busy_timeout_ms: int = 10_000, *, durable: bool = False) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self.durable = durable  # sync to the disk at checkpoints (see the module's notes)
        self._local = threading.local()
        self.writers = WriterQueue(path)
        conn = self.connection()
        conn.executescript(SCHEMA)
        for table, column, declaration in ADDED_COLUMNS:
            present = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
        conn.execute(ENCRYPTED_INDEX)
        if _nonces_keyed_by_key(conn):
            self._rekey_nonces()

    def _rekey_nonces(self) -> None:
        """A file kept from an earlier version keyed its nonces by Key first: keyed by time
        now, the nonces it holds kept (one worker rebuilds, the others find it done)."""
        with self.write() as conn:
            if not _nonces_keyed_by_key(conn):
                return
            conn.execute("ALTER TABLE nonces RENAME TO nonces_keyed_by_key")
            conn.execute(NONCES)
            conn.execute(
                "INSERT INTO nonces (timestamp, key, nonce) "
                "SELECT timestamp, key, nonce FROM nonces_keyed_by_key"
            )
            conn.execute("DROP TABLE nonces_keyed_by_key")  # its index on the time goes with it

    def connection(self) -> Connection:
        """This thread's connection (outside a transaction each statement is one of its own)."""
        conn: Connection | None = getattr(self._local, "conn", None)
        # A forked worker must not reuse its parent's connection.
        if conn is None or getattr(self._local, "pid", None) != process_id():
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, factory=Connection
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'NORMAL' if self.durable else 'OFF'}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            self._local.conn = conn
            self._local.pid = process_id()
        return conn

    def begin(self) -> Connection:
        """Begin a write transaction once this writer's turn comes; end it with ``commit()`` or
        ``rollback()`` (``write()`` does both for a block)."""
        conn = self.connection()
        if conn.in_transaction:  # SQLite refuses a nested one: say so, never wait on ourselves
            raise sqlite3.OperationalError("cannot start a transaction within a transaction")
        self.writers.take()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.writers.give_back()
            raise
        conn.began(snapshot=False)
        return conn

    def commit(self, conn: sqlite3.Connection) -> None:
        """Commit the write transaction ``begin()`` began, and give the turn back."""
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # nothing half-kept: drop all of it
                conn.execute("ROLLBACK")
            raise
        finally:
            self.writers.give_back()

    def rollback(self, conn: sqlite3.Connection) -> None:
        """Drop the write transaction ``begin()`` began, and give the turn back."""
        try:
            conn.execute("ROLLBACK")
        finally:
            self.writers.give_back()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: all of it commits, or none of it does."""
        conn = self.begin()
        try:
            yield conn
        except BaseException:
            self.rollback(conn)
            raise
        self.commit(conn)

    def begin_read(self) -> Connection:
        """Begin a read transaction (``read()`` ends it after a block; else ``end_read()``)."""
        conn = self.connection()
        conn.execute("BEGIN")
        conn.began(snapshot=True)
        return conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for every query inside it."""
        conn = self.begin_read()
        try:
            yield conn
        finally:
            conn.end_read()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


@contextmanager
def roomy_cache(conn: sqlite3.Connection, mib: int = 256) -> Iterator[None]:
    """A page cache of up to ``mib`` MiB for one bulk write, then the connection's own again.

    A snapshot's million contacts put a million random keys into the index of given
    encryptedIds; with SQLite's default 2 MiB the pages they land on are read back from the
    file again and again (35 s of inserts against 16 s, measured when every encryptedId was
    indexed). SQLite takes the memory as pages are touched and frees it when the size goes back
    down."""
    (before,) = conn.execute("PRAGMA cache_size").fetchone()
    conn.execute(f"PRAGMA cache_size = {-mib * 1024}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def indexes_set_aside(conn: sqlite3.Connection, *tables: str) -> Iterator[None]:
    """The tables' secondary indexes dropped for a bulk insert and built again after it, inside
    the caller's transaction (other connections see both or neither). Building an index sorts
    its keys once; inserting a million random keys into it one by one took most of a load."""
    found = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({','.join('?' * len(tables))}) ORDER BY name",
        tables,
    ).fetchall()
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _, sql in found:
            conn.execute(sql)
