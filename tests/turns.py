"""Whether another worker could take the writer's turn on a database file right now."""

from __future__ import annotations

import fcntl

from spotler_sim.store.database import WriterQueue


def turn_is_free(other: WriterQueue) -> bool:
    """Whether ``other`` (another worker's place in the queue of the same file) would get the
    turn at once: the file's lock is free (taken and given back at once)."""
    fd = other._file()
    assert fd is not None, "a database in memory has no queue across workers"
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return True
