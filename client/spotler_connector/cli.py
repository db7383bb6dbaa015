"""``spotler-connector``: run the outbox worker and look after the calls that failed.

    spotler-connector run [--once]          drain the queue (Ctrl-C or SIGTERM stops it cleanly)
    spotler-connector status                calls per state and the next attempt
    spotler-connector failed [filters]      the failed calls (or --view waiting|all ...)
    spotler-connector retry ID | --all-failed
    spotler-connector discard ID [--yes]
    spotler-connector overview              the same overview in a browser
    spotler-connector demo                  a webshop synced to a flaky simulator

The outbox file comes from ``--db`` or SPOTLER_CONNECTOR_DB; Spotler's address and the Key and
Secret from ``--url``/``--key``/``--secret`` or SPOTLER_URL, SPOTLER_KEY, SPOTLER_SECRET.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from spotler_connector.api import SpotlerClient
from spotler_connector.display import calls_table, console, show_progress, status_table, wide
from spotler_connector.overview import VIEWS
from spotler_connector.queue import Outbox, QueueError, RetryPolicy
from spotler_connector.worker import Worker


class UsageError(Exception):
    """A command that cannot run as given; the message says what to pass instead."""


def _outbox(args: argparse.Namespace, policy: RetryPolicy | None = None) -> Outbox:
    """The outbox the application enqueues into. Every command, ``run`` too, refuses a file that
    does not exist: the application creates it (``Outbox(path)``), and a mistyped --db would
    otherwise be drained, or shown, as a new empty outbox."""
    path = Path(args.db)
    if not path.exists():
        raise UsageError(
            f"no outbox at {path}: pass --db (or set SPOTLER_CONNECTOR_DB) to the file your "
            f"application enqueues into (it is created by the application's Outbox({str(path)!r}))"
        )
    return Outbox(path, policy=policy or RetryPolicy())


def _steps(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds separated by commas") from None


def _policy(args: argparse.Namespace) -> RetryPolicy:
    try:
        return RetryPolicy(
            ladder=args.ladder, tail=args.tail, max_attempts=args.max_attempts, jitter=args.jitter
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# ---- run ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    for name in ("url", "key", "secret"):
        if not getattr(args, name):
            raise UsageError(
                f"no Spotler {name}: pass --{name} or set SPOTLER_{name.upper()} "
                f"(`make run` prints the simulator's demo Key and Secret)"
            )
    outbox = _outbox(args, _policy(args))
    with SpotlerClient(args.url, args.key, args.secret, timeout=args.timeout) as api:
        worker = Worker(outbox, api, lease_seconds=args.lease, batch=args.batch)
        previous = {s: signal.signal(s, lambda *_: worker.stop.set()) for s in _STOP_SIGNALS}
        try:
            if args.once:
                worker.run_once()
                console.print(status_table(outbox, worker))
            else:
                show_progress(worker, args.idle)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if worker.stop.is_set():
        console.print("stopped; calls not yet sent stay queued for the next run")
    return 0


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


# ---- the overview ---------------------------------------------------------------------------


def failed(args: argparse.Namespace) -> int:
    calls = _outbox(args).calls(
        states=VIEWS[args.view], entity=args.entity, key=args.key, error_type=args.error_type,
        limit=args.limit,
    )  # fmt: skip
    if args.json:
        print(json.dumps([asdict(c) for c in calls], indent=2, default=str))
    elif not calls:
        filtered = args.entity or args.key or args.error_type
        console.print(f"no {args.view} calls" + (" match these filters" if filtered else ""))
    else:
        wide.print(calls_table(calls, f"{args.view} calls ({len(calls)})"))
        if args.view == "failed":
            console.print("retry with `spotler-connector retry ID` or give up with `discard ID`")
    return 0


def status(args: argparse.Namespace) -> int:
    console.print(status_table(_outbox(args)))
    return 0


def retry(args: argparse.Namespace) -> int:
    outbox = _outbox(args)
    if args.all_failed:
        done, refused = outbox.retry_all_failed()
        console.print(f"{done} failed call(s) waiting again, due now")
        for reason in refused:
            console.print(f"[yellow]not retried:[/] {reason}")
        return 0
    if args.id is None:
        raise UsageError("give a call id (see `spotler-connector failed`) or --all-failed")
    outbox.retry(args.id)
    console.print(f"call {args.id} is waiting again, due now")
    return 0


def discard(args: argparse.Namespace) -> int:
    outbox = _outbox(args)
    call = outbox.get(args.id)
    if call is None:
        raise UsageError(f"no call {args.id}: `spotler-connector failed` lists the failed calls")
    if not args.yes:
        console.print(calls_table([call], f"call {call.id}"))
        answer = input(f"Discard call {call.id}? It will never be sent. [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            console.print("kept")
            return 1
    outbox.discard(args.id, args.reason)
    console.print(f"call {args.id} discarded; `failed --view discarded` still lists it")
    return 0


def overview(args: argparse.Namespace) -> int:
    from spotler_connector.serving import OverviewServer

    outbox = _outbox(args)
    console.print(f"overview of {args.db} on http://127.0.0.1:{args.port}/ (Ctrl-C stops it)")
    OverviewServer(outbox, args.port).run()
    return 0


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def demo(args: argparse.Namespace) -> int:
    from spotler_connector.demo import run_demo
    from spotler_connector.sandbox import SandboxError

    # A SIGTERM unwinds like Ctrl-C, so the simulator and overview the demo started stop too.
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return run_demo(
            customers=args.customers,
            orders=args.orders,
            scenario=args.scenario,
            keep=args.keep,
            console=console,
        )
    except (SandboxError, RuntimeError) as exc:
        raise UsageError(f"the demo could not run: {exc}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---- wiring -------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    env = os.environ.get
    top = argparse.ArgumentParser(
        prog="spotler-connector", description="The reference Spotler connector's outbox worker."
    )
    top.add_argument(
        "--db",
        default=env("SPOTLER_CONNECTOR_DB", "spotler-connector.db"),
        help="the outbox's SQLite file (default: $SPOTLER_CONNECTOR_DB or spotler-connector.db)",
    )
    commands = top.add_subparsers(dest="command", required=True)

    p = commands.add_parser("run", help="send the queued calls, retrying as scheduled")
    p.add_argument(
        "--url",
        default=env("SPOTLER_URL", "http://127.0.0.1:8080"),
        help="Spotler's address (default: $SPOTLER_URL or http://127.0.0.1:8080)",
    )
    p.add_argument("--key", default=env("SPOTLER_KEY"), help="the Key (default: $SPOTLER_KEY)")
    p.add_argument(
        "--secret", default=env("SPOTLER_SECRET"), help="the Secret (default: $SPOTLER_SECRET)"
    )
    p.add_argument("--once", action="store_true", help="send what is due, then exit (for cron)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for an answer")
    p.add_argument("--lease", type=float, default=120.0, help="seconds a claim lasts")
    p.add_argument("--batch", type=int, default=20, help="calls claimed at a time")
    p.add_argument("--idle", type=float, default=1.0, help="seconds between looks at the queue")
    p.add_argument("--ladder", type=_steps, default=RetryPolicy.ladder, help="e.g. 60,300,600,3600")
    p.add_argument("--tail", type=_steps, default=RetryPolicy.tail, help="e.g. 10800,21600,43200")
    p.add_argument(
        "--max-attempts",
        type=int,
        default=RetryPolicy.max_attempts,
        help=f"attempts before a call fails for good (default {RetryPolicy.max_attempts})",
    )
    p.add_argument("--jitter", type=float, default=0.1, help="spread each wait by +- this share")
    p.set_defaults(run=run)

    p = commands.add_parser("status", help="calls per state and the next attempt")
    p.set_defaults(run=status)

    p = commands.add_parser("failed", help="the failed calls, as a table")
    p.add_argument(
        "--view", choices=list(VIEWS), default="failed", help="which calls (default failed)"
    )
    p.add_argument("--entity", help="only calls about this entity, such as contact or order")
    p.add_argument("--key", help="only calls about this entity key, such as a customer number")
    p.add_argument("--error-type", help="only calls whose last error has this errorType")
    p.add_argument("--limit", type=int, default=500, help="calls to show at most (default 500)")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(run=failed)

    p = commands.add_parser("retry", help="put a failed call (or all of them) back in line")
    p.add_argument("id", type=int, nargs="?", help="the call (`failed` lists the ids)")
    p.add_argument("--all-failed", action="store_true", help="every failed call instead of one")
    p.set_defaults(run=retry)

    p = commands.add_parser("discard", help="give up on a failed or waiting call (asks first)")
    p.add_argument("id", type=int, help="the call (`failed --view all` lists the ids)")
    p.add_argument("--yes", action="store_true", help="do not ask")
    p.add_argument(
        "--reason",
        default="discarded by operator",
        help="kept with the call (default: discarded by operator)",
    )
    p.set_defaults(run=discard)

    p = commands.add_parser("overview", help="serve the overview page on 127.0.0.1")
    p.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (default 8081)")
    p.set_defaults(run=overview)

    p = commands.add_parser("demo", help="sync a small webshop to a flaky simulator")
    p.add_argument("--customers", type=int, default=40, help="customers the shop has (40)")
    p.add_argument("--orders", type=int, default=30, help="orders placed during the day (30)")
    p.add_argument(
        "--scenario", help="a fixtures/scenarios name or file instead of the demo's bad day"
    )
    p.add_argument("--keep", action="store_true", help="keep the simulator and overview running")
    p.set_defaults(run=demo)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.run
    try:
        return command(args)
    except (UsageError, QueueError) as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
