"""This process's id, known without a system call: ``os.getpid()`` asks the kernel each time,
and a call to the API needed it four times (forked workers learn theirs as they fork)."""

from __future__ import annotations

import os


class _This:
    pid = os.getpid()


def _forked() -> None:
    _This.pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def process_id() -> int:
    return _This.pid
