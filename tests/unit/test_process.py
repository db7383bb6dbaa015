"""The process id kept without a system call is the forked child's own in the child."""

from __future__ import annotations

import os

from spotler_sim.process import process_id


def test_a_forked_child_knows_its_own_id() -> None:
    assert process_id() == os.getpid()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it knows, and never outlive the test
        try:
            os.write(write, f"{process_id()} {os.getpid()}".encode())
        finally:
            os._exit(0)
    os.close(write)
    known, actual = os.read(read, 100).decode().split()
    os.waitpid(pid, 0)
    os.close(read)
    assert known == actual == str(pid)
    assert process_id() == os.getpid()  # the parent's stays its own
