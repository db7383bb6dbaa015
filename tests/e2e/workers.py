"""The reference connector's workers draining an outbox in threads, as a deployment runs two."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from spotler_connector.api import SpotlerClient
from spotler_connector.queue import Outbox
from spotler_connector.worker import Worker


@contextmanager
def workers_running(
    outbox: Outbox, client: Callable[[], SpotlerClient], count: int = 2, **options: Any
) -> Iterator[list[Worker]]:
    """``count`` workers, each with its own client, polling every 50 ms until the block ends;
    then they are stopped, joined and their clients closed."""
    stop = threading.Event()
    workers = [Worker(outbox, client(), stop=stop, **options) for _ in range(count)]
    threads = [threading.Thread(target=w.run, args=(0.05,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        yield workers
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        for worker in workers:
            worker.api.close()
