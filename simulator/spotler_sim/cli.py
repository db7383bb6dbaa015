"""``spotler-sim``: serve the simulator (more commands arrive with the admin API)."""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from spotler_sim import fixtures, worker
from spotler_sim.admin import cli as admin_cli
from spotler_sim.config import API_PREFIXES, Config
from spotler_sim.domain.journal import JournalLimit
from spotler_sim.errors import SpotlerError
from spotler_sim.http.hosts import is_loopback
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.accounts import all_accounts, authentications
from spotler_sim.testing.admin_client import AdminError

console = Console(highlight=False, soft_wrap=True)  # never break a URL or a Secret


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spotler-sim", description="A local, stateful simulator of the Spotler REST API."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="serve the simulator until Ctrl-C", epilog=worker.LIMITS_HELP
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.add_argument(
        "--db", help="SQLite file that keeps state across restarts (default: a fresh temp file)"
    )
    serve.add_argument(
        "--fixture",
        default=fixtures.DEMO,
        help="fixture loaded into an empty database: a file, or a packaged name (default demo)",
    )
    serve.add_argument("--no-fixture", action="store_true", help="start with no accounts at all")
    serve.add_argument(
        "--admin-token",
        help="open the admin API and dashboard to anyone sending this token (X-Admin-Token), "
        "instead of loopback only; required when --host is not a loopback address",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host is NAME (repeatable); loopback names and the "
        "--host address are always answered, any other Host is refused (DNS rebinding)",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="gunicorn worker processes (default 1)"
    )
    serve.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    serve.add_argument(
        "--journal-max",
        type=_journal_limit,
        default=JournalLimit(),
        metavar="ROWS,SIZE",
        help=f"keep at most this many calls and bytes in the request journal, oldest pruned "
        f"first: 50000, 64MiB or 50000,64MiB (default {JournalLimit.rows:,} calls, "
        f"{JournalLimit.bytes // 1024**2} MiB)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="debug also logs every request and the server's base string of refused signatures",
    )
    serve.set_defaults(run=serve_command)

    serve.add_argument(
        "--scenario",
        help="apply a scenario at start: a file, or a packaged name such as late-updates",
    )
    admin_cli.register(commands)

    check = commands.add_parser(
        "contract-test",
        help="run the contract tests (schemathesis) against a base URL",
        description="Generate requests for every operation of the contract, sign them with OAuth "
        "1.0a, and check every answer against the contract. Read-only unless --allow-writes.",
    )
    check.add_argument(
        "--base-url", required=True, help="e.g. http://127.0.0.1:8080/integrationservice-1.1.0"
    )
    check.add_argument("--key", required=True, help="the Key (consumer key) to sign with")
    check.add_argument("--secret", required=True, help="the Secret (consumer secret)")
    check.add_argument(
        "--max-examples", type=int, default=20, help="examples per operation (default 20)"
    )
    check.add_argument(
        "--operations", help="only operations whose id or path matches (glob or regex)"
    )
    check.add_argument(
        "--allow-writes",
        action="store_true",
        help="also run operations that change data, and linked sequences (never on a real account you care about)",
    )
    check.add_argument("--seed", type=int, help="make the generated examples reproducible")
    check.set_defaults(run=contract_test_command)
    return parser


def _auth_table(state: State) -> Table:
    table = Table(title="Authentications (sign with OAuth 1.0a HMAC-SHA1, no token)")
    for column in ("account", "label", "key", "secret", "linked ID field"):
        table.add_column(column)
    with state.db.read() as conn:
        for account in all_accounts(conn):
            for auth in authentications(conn, account):
                table.add_row(account.name, auth.label, auth.key, auth.secret, auth.id_field)
    return table


def _journal_limit(text: str) -> JournalLimit:
    try:
        return JournalLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def serve_command(args: argparse.Namespace) -> int:
    from spotler_sim.server import GunicornServer, port_is_free

    if args.workers < 1:
        console.print("[red]--workers must be 1 or more[/red]")
        return 2
    if not is_loopback(args.host) and not args.admin_token:
        console.print(
            f"[red]Serving on {args.host} reaches beyond this machine, and the admin API would "
            f"hand every Key and Secret to anyone who asks.[/red] Add [bold]--admin-token "
            f"TOKEN[/bold] (callers then send X-Admin-Token), or serve on 127.0.0.1"
        )
        return 2
    if not port_is_free(args.host, args.port):
        console.print(
            f"[red]Port {args.port} on {args.host} is in use.[/red] Stop the other process or "
            f"choose another port, e.g. [bold]spotler-sim serve --port {args.port + 1}[/bold]"
        )
        return 2
    try:
        fixture = str(fixtures.locate(args.fixture, "fixture"))
        scenario = fixtures.read(args.scenario) if args.scenario else None
    except fixtures.DocumentError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    temp_dir = None if args.db else tempfile.mkdtemp(prefix="spotler-sim-")
    db_path = args.db or str(Path(temp_dir or ".") / "state.db")
    config = Config(
        db_path=db_path,
        fixture_path=None if args.no_fixture else fixture,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        log_level=args.log_level,
        admin_token=args.admin_token,
        allowed_hosts=tuple(args.allowed_host),
        journal_limit=args.journal_max,
    )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        state = State(Database(db_path))
        if config.fixture_path and not state.has_accounts():
            state.load_fixture_file(config.fixture_path)
        if scenario is not None:
            applied = state.apply_scenario(scenario)
            console.print(f"scenario [bold]{applied['name']}[/bold] applied")
        base = f"http://{config.host}:{config.port}"
        console.print(
            f"spotler-sim serving the Spotler REST API at [bold]{base}{API_PREFIXES[0]}/[/bold]"
        )
        console.print(f"  also at {base}{API_PREFIXES[1]}/ ; contract at {base}/openapi.json")
        console.print("  answers in XML unless a call sends Accept: application/json, as Spotler")
        access = "with --admin-token" if config.admin_token else "loopback only"
        console.print(
            f"  dashboard and admin API at [bold]{base}/__admin/[/bold] ({access}); "
            f"state in {db_path}"
        )
        table = _auth_table(state)
        # Print the table whole even on a narrow or non-terminal output: Keys and Secrets are
        # copied from it.
        Console(highlight=False, width=max(console.width, 160)).print(table)
        console.print(
            f"{config.workers} worker(s) x {config.threads} threads. Press Ctrl-C to stop."
        )
        state.db.close()
        GunicornServer(config).run()
    except (SpotlerError, AdminError) as error:
        console.print(f"[red]Cannot start:[/red] {error}")
        return 2
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


def contract_test_command(args: argparse.Namespace) -> int:
    try:
        from spotler_sim.testing.contract_test import operation_filter, probe, render, run
    except ImportError as exc:  # schemathesis is an extra: serving does not need it
        console.print(
            f"[red]contract-test needs schemathesis ({exc.name} is missing):[/red] "
            "install it with [bold]pip install 'spotler-sim[contract]'[/bold]"
        )
        return 2

    if args.max_examples < 1:
        console.print("[red]--max-examples must be 1 or more[/red], e.g. --max-examples 20")
        return 2
    try:
        operation_filter(args.operations)
    except ValueError as exc:
        console.print(str(exc), style="red", markup=False)
        return 2
    problem = probe(args.base_url, args.key, args.secret)
    if problem:
        console.print(problem, style="red", markup=False)
        return 2
    report = run(
        args.base_url,
        args.key,
        args.secret,
        max_examples=args.max_examples,
        operations=args.operations,
        allow_writes=args.allow_writes,
        seed=args.seed,
    )
    render(report, Console(highlight=False, width=max(console.width, 160)))
    return 0 if report.passed else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
