"""What the connector shows: tables of the outbox and a live progress display of a worker."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.table import Table

from spotler_connector.overview import last_error, moment, when
from spotler_connector.queue import Call, Outbox
from spotler_connector.worker import Worker

console = Console(highlight=False)
wide = Console(highlight=False, width=max(console.width, 160))  # tables are read, not wrapped


def status_table(outbox: Outbox, worker: Worker | None = None) -> Table:
    counts = outbox.counts()
    upcoming = outbox.next_attempt_at()
    table = Table(title="Spotler outbox", show_header=True)
    for column in ("delivered", "waiting", "due now", "failed", "discarded", "next attempt"):
        table.add_column(column, justify="right")
    table.add_row(
        str(counts["delivered"]),
        str(counts["waiting"]),
        str(counts["due"]),
        str(counts["failed"]),
        str(counts["discarded"]),
        moment(upcoming) if upcoming else "-",
    )
    if worker is not None:
        p = worker.progress
        table.caption = (
            f"this run: {p.delivered} delivered, {p.retrying} retries scheduled, {p.failed} failed"
        )
        if p.lost_leases:
            table.caption += (
                f"; {p.lost_leases} outcomes not recorded: the lease ran out mid-call and the "
                f"call is due again (raise --lease if calls take this long)"
            )
    return table


def calls_table(calls: list[Call], title: str) -> Table:
    table = Table(title=title)
    columns = ["id", "entity", "key", "operation", "attempts", "first queued", "last error"]
    for column in (*columns, "next attempt / failed at"):
        table.add_column(column, overflow="fold")
    for call in calls:
        table.add_row(
            str(call.id), call.entity, call.key, call.operation, str(call.attempts),
            moment(call.enqueued_at), last_error(call, 90), when(call),
        )  # fmt: skip
    return table


def show_progress(worker: Worker, idle: float, *, until_drained: bool = False) -> None:
    """Run the worker with a live table (a log line every few seconds off a terminal) until it
    is stopped, or with ``until_drained`` until nothing waits any more."""

    def tick(w: Worker) -> None:
        if until_drained and not w.outbox.counts()["waiting"]:
            w.stop.set()

    if console.is_terminal:
        with Live(
            status_table(worker.outbox, worker), console=console, refresh_per_second=4
        ) as live:

            def update(w: Worker) -> None:
                live.update(status_table(w.outbox, w))
                tick(w)

            worker.run(idle, on_tick=update)
    else:
        last = [0.0]

        def line(w: Worker) -> None:
            if time.monotonic() - last[0] >= 5:
                last[0] = time.monotonic()
                c = w.outbox.counts()
                console.print(
                    f"delivered {c['delivered']}, waiting {c['waiting']}, failed {c['failed']}"
                )
            tick(w)

        worker.run(idle, on_tick=line)
        console.print(status_table(worker.outbox, worker))
    if until_drained:
        worker.stop.clear()
