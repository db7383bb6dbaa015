"""``spotler-sim``: serve the simulator (more commands arrive with the admin API)."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from spotler_sim import __version__, call_cli, fixtures, lifecycle, tls, worker
from spotler_sim.admin import cli as admin_cli
from spotler_sim.config import API_PREFIXES, ENV_PREFIX, Config, env_default
from spotler_sim.domain.journal import JournalLimit
from spotler_sim.errors import SpotlerError
from spotler_sim.fixtures.load import load_fixture_file
from spotler_sim.fixtures.scenario import apply_scenario
from spotler_sim.http.hosts import is_loopback
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.accounts import all_accounts, authentications
from spotler_sim.testing.admin_client import AdminError

console = Console(highlight=False, soft_wrap=True)  # never break a URL or a Secret
PIDFILE = "spotler-sim.pid"


TRUE = ("1", "true", "yes", "on")


def _option(parser: argparse.ArgumentParser, flag: str, help: str, **options: Any) -> None:
    """A serve flag that SPOTLER_SIM_<FLAG> sets too (the flag wins); the help says which."""
    env = flag.lstrip("-").upper().replace("-", "_")
    if options.get("action") == "append":
        options["default"] = [n for n in (env_default(env) or "").split(",") if n]
    elif options.get("action") == "store_true":
        options["default"] = (env_default(env) or "").lower() in TRUE
    else:  # a string default is parsed by the flag's type, as the variable's value is
        options["default"] = env_default(env) or options.get("default")
    parser.add_argument(flag, help=f"{help} [env {ENV_PREFIX}{env}]", **options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spotler-sim", description="A local, stateful simulator of the Spotler REST API."
    )
    parser.add_argument("--version", action="version", version=f"spotler-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the simulator until Ctrl-C (or in the background with --detach)",
        description="Serve the simulated Spotler API, its admin API, dashboard and docs. Every "
        "flag can also come from the environment variable named after it; a flag wins.",
        epilog=worker.LIMITS_HELP,
    )
    _option(serve, "--host", "address to listen on (default 127.0.0.1)", default="127.0.0.1")
    _option(serve, "--port", "port (default 8080)", type=int, default=8080)
    _option(
        serve, "--db", "SQLite file that keeps state across restarts (default: a fresh temp file)"
    )
    _option(
        serve,
        "--fixture",
        "fixture loaded into an empty database: a file, or a packaged name (default demo)",
        default=fixtures.DEMO,
    )
    _option(serve, "--no-fixture", "start with no accounts at all", action="store_true")
    _option(
        serve,
        "--scenario",
        "apply a scenario at start: a file, or a packaged name such as late-updates",
    )
    _option(
        serve,
        "--admin-token",
        "open the admin API and dashboard to anyone sending this token (X-Admin-Token), "
        "instead of loopback only; required when --host is not a loopback address",
    )
    _option(
        serve,
        "--allowed-host",
        "also answer requests whose Host is NAME (repeatable; the variable takes NAME,NAME); "
        "loopback names and the --host address are always answered, any other Host is refused "
        "(DNS rebinding)",
        action="append",
        metavar="NAME",
    )
    _option(serve, "--workers", "gunicorn worker processes (default 1)", type=int, default=1)
    _option(serve, "--threads", "threads per worker (default 8)", type=int, default=8)
    _option(
        serve,
        "--journal-max",
        f"keep at most this many calls and bytes in the request journal, oldest pruned first: "
        f"50000, 64MiB or 50000,64MiB (default {JournalLimit.rows:,} calls, "
        f"{JournalLimit.bytes // 1024**2} MiB)",
        type=_journal_limit,
        default=JournalLimit(),
        metavar="ROWS,SIZE",
    )
    _option(
        serve,
        "--durable",
        "sync the --db file to the disk at every checkpoint, so that its state also survives a "
        "crash of the machine (slower; a crash of the simulator alone loses nothing either way)",
        action="store_true",
    )
    _option(
        serve,
        "--log-level",
        "debug also logs every request and the server's base string of refused signatures",
        default="info",
        choices=["debug", "info", "warning", "error"],
    )
    _option(
        serve,
        "--tls",
        "serve HTTPS with a certificate from a local CA (made once, kept in --tls-dir)",
        action="store_true",
    )
    _option(serve, "--tls-dir", "where --tls keeps its CA (default ~/.local/share/spotler-sim/tls)")
    _option(serve, "--tls-cert", "serve HTTPS with this certificate (PEM) instead of the local CA")
    _option(serve, "--tls-key", "the private key (PEM) of --tls-cert")
    _option(
        serve,
        "--detach",
        "start in the background, write --pidfile, and return once it is ready (CI)",
        action="store_true",
    )
    _option(serve, "--pidfile", "with --detach: the file the process id goes to", default=PIDFILE)
    _option(
        serve,
        "--log-file",
        "with --detach: where the server's output goes (default: the pidfile's name + .log)",
    )
    serve.set_defaults(run=serve_command)

    wait = commands.add_parser(
        "wait",
        help="wait until a simulator answers its health check (for CI)",
        description="Poll GET /__admin/health until the simulator is ready; exit 1 on timeout.",
    )
    wait.add_argument(
        "--url",
        default=env_default("URL", "http://127.0.0.1:8080"),
        help=f"the simulator (default http://127.0.0.1:8080) [env {ENV_PREFIX}URL]",
    )
    wait.add_argument("--timeout", type=float, default=30, help="seconds (default 30)")
    wait.add_argument("--token", help="the --admin-token, when not on loopback")
    wait.add_argument("--cacert", help="trust this CA file for https (serve --tls prints it)")
    wait.set_defaults(run=wait_command)

    halt = commands.add_parser(
        "stop",
        help="stop a simulator started with serve --detach",
        description="Send SIGTERM to the process in the pidfile, wait until it has gone and "
        "remove the pidfile.",
    )
    halt.add_argument(
        "--pidfile",
        default=env_default("PIDFILE", PIDFILE),
        help=f"the pidfile serve --detach wrote (default {PIDFILE}) [env {ENV_PREFIX}PIDFILE]",
    )
    halt.add_argument("--timeout", type=float, default=30, help="seconds (default 30)")
    halt.set_defaults(run=stop_command)

    admin_cli.register(commands)
    call_cli.register(commands)

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


def _tls_files(args: argparse.Namespace) -> tls.TlsFiles | None:
    if bool(args.tls_cert) != bool(args.tls_key):
        raise _Refusal("--tls-cert and --tls-key go together: pass both files (PEM)")
    if args.tls_cert:
        for name in (args.tls_cert, args.tls_key):
            if not Path(name).is_file():
                raise _Refusal(f"no file {name}: pass the PEM files of your certificate and key")
        return tls.TlsFiles(None, Path(args.tls_cert), Path(args.tls_key))
    if args.tls:
        folder = Path(args.tls_dir) if args.tls_dir else tls.default_folder()
        try:
            return tls.local_certificate(folder, args.host)
        except OSError as exc:
            raise _Refusal(
                f"cannot keep the local CA in {folder} ({exc.strerror}): choose a writable "
                "folder with --tls-dir"
            ) from None
    return None


class _Refusal(Exception):
    """serve cannot start as asked; the message says what to do instead."""


def _check_serve(args: argparse.Namespace) -> None:
    from spotler_sim.server import port_is_free

    if args.workers < 1:
        raise _Refusal("--workers must be 1 or more, e.g. --workers 2")
    if args.db and not Path(args.db).resolve().parent.is_dir():
        raise _Refusal(
            f"the folder of --db {args.db} does not exist: create it first "
            f"(mkdir -p {Path(args.db).parent}) or choose another path"
        )
    if not is_loopback(args.host) and not args.admin_token:
        raise _Refusal(
            f"Serving on {args.host} reaches beyond this machine, and the admin API would hand "
            "every Key and Secret to anyone who asks. Add --admin-token TOKEN (callers then send "
            "X-Admin-Token), or serve on 127.0.0.1"
        )
    if not port_is_free(args.host, args.port):
        raise _Refusal(
            f"Port {args.port} on {args.host} is in use. Stop the other process or choose "
            f"another port, e.g. spotler-sim serve --port {args.port + 1}"
        )


def serve_command(args: argparse.Namespace) -> int:
    try:
        _check_serve(args)
        fixture = str(fixtures.locate(args.fixture, "fixture"))
        scenario = fixtures.read(args.scenario) if args.scenario else None
        files = _tls_files(args)
    except (_Refusal, fixtures.DocumentError) as exc:
        console.print(str(exc), style="red", markup=False)
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
        durable=args.durable,
        tls_cert=str(files.cert) if files else None,
        tls_key=str(files.key) if files else None,
    )
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the readiness probe of --detach
    serving_here = True  # False in the process that detached: the server's files are its child's
    try:
        state = State(Database(db_path, durable=config.durable))
        if config.fixture_path and not state.has_accounts():
            load_fixture_file(state, config.fixture_path)
        if scenario is not None:
            applied = apply_scenario(state, scenario)
            console.print(f"scenario [bold]{applied['name']}[/bold] applied")
        _banner(config, state, files)
        state.db.close()  # no connection may cross the fork below or gunicorn's
        if args.detach:
            child = os.fork()
            if child:
                serving_here = False
                return _detached(args, config, child)
            _become_daemon(Path(args.log_file or args.pidfile + ".log"))
        from spotler_sim.server import GunicornServer

        GunicornServer(config).run()
    except (SpotlerError, AdminError) as error:
        console.print(f"[red]Cannot start:[/red] {error}")
        return 2
    finally:
        if temp_dir and serving_here:
            shutil.rmtree(temp_dir, ignore_errors=True)
    return 0


def _banner(config: Config, state: State, files: tls.TlsFiles | None) -> None:
    base = config.root_url
    console.print(
        f"spotler-sim {__version__} serving the Spotler REST API at "
        f"[bold]{base}{API_PREFIXES[0]}/[/bold]"
    )
    console.print(f"  also at {base}{API_PREFIXES[1]}/ ; contract at {base}/openapi.json")
    console.print("  answers in XML unless a call sends Accept: application/json, as Spotler")
    access = "with --admin-token" if config.admin_token else "loopback only"
    console.print(
        f"  dashboard and admin API at [bold]{base}/__admin/[/bold] ({access}); "
        f"docs at {base}/docs/ and {base}/guide/; state in {config.db_path}"
    )
    if files and files.ca:
        console.print(
            f"  HTTPS with a certificate of the local CA [bold]{files.ca}[/bold]; trust it:"
        )
        for hint in tls.trust_hints(files.ca):
            console.print(f"    {hint}", markup=False)
    elif files:
        console.print(f"  HTTPS with {files.cert}")
    # Print the table whole even on a narrow or non-terminal output: Keys and Secrets are
    # copied from it.
    Console(highlight=False, width=max(console.width, 160)).print(_auth_table(state))
    console.print(
        "  first call: [bold]spotler-sim call GET /contact/1001[/bold] "
        "(add --print-curl for a curl command)"
    )
    console.print(f"{config.workers} worker(s) x {config.threads} threads. Press Ctrl-C to stop.")


def _become_daemon(log: Path) -> None:
    """In the forked child: a session of its own, output to ``log``, no terminal."""
    os.setsid()
    sink = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    nothing = os.open(os.devnull, os.O_RDONLY)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(nothing, 0)
    os.dup2(sink, 1)
    os.dup2(sink, 2)


def _detached(args: argparse.Namespace, config: Config, child: int) -> int:
    """In the process that forked: write the pidfile and return once the server answers."""
    pidfile = Path(args.pidfile)
    pidfile.write_text(f"{child}\n")
    url = lifecycle.probe_url(config.host, config.port, config.scheme)
    try:
        # Our own child on loopback: readiness only, so its certificate is not checked here.
        lifecycle.wait_ready(
            url,
            60,
            verify=False,
            token=config.admin_token,
            alive=lambda: os.waitpid(child, os.WNOHANG) == (0, 0),
        )
    except lifecycle.LifecycleError as error:
        pidfile.unlink(missing_ok=True)
        log = Path(args.log_file or args.pidfile + ".log")
        console.print(f"{error}; its log {log} ends:", style="red", markup=False)
        console.print("\n".join(log.read_text().splitlines()[-15:]), markup=False)
        return 2
    console.print(
        f"ready at {config.root_url} as process {child} (pidfile {pidfile}, log "
        f"{args.log_file or args.pidfile + '.log'}); stop it with "
        f"[bold]spotler-sim stop --pidfile {pidfile}[/bold]"
    )
    return 0


def wait_command(args: argparse.Namespace) -> int:
    try:
        health = lifecycle.wait_ready(
            args.url, args.timeout, verify=lifecycle.trusting(args.cacert), token=args.token
        )
    except lifecycle.LifecycleError as error:
        console.print(str(error), style="red", markup=False)
        return 1
    console.print(
        f"ready: spotler-sim {health['version']} at {args.url}, {health['workers']} worker(s), "
        f"up {health['uptimeSeconds']:g} s"
    )
    return 0


def stop_command(args: argparse.Namespace) -> int:
    try:
        pid = lifecycle.stop(Path(args.pidfile), args.timeout)
    except lifecycle.LifecycleError as error:
        console.print(str(error), style="red", markup=False)
        return 1
    console.print(f"stopped process {pid}")
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
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
