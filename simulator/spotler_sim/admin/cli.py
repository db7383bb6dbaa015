"""``spotler-sim accounts|fault|clock|journal|mailing|snapshot|scenario``: the admin API from a
shell.

Every command talks to a running simulator (``--url``, default http://127.0.0.1:8080) and prints
a table, or the raw JSON with ``--json`` for scripts.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spotler_sim import fixtures
from spotler_sim.config import env_default
from spotler_sim.domain.accounts import shared_id_fields, with_authentications
from spotler_sim.domain.faults import EFFECTS, rule_document
from spotler_sim.domain.verdicts import RULES, SEVERITIES
from spotler_sim.testing import exposure as exposure_files
from spotler_sim.testing.admin_client import AdminClient, AdminError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
console = Console(highlight=False, soft_wrap=True)


def _client(args: argparse.Namespace) -> AdminClient:
    return AdminClient(args.url, token=args.token)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    Console(highlight=False, width=max(console.width, 160)).print(table)


def _show(args: argparse.Namespace, data: Any, render: Any) -> None:
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        render(data)


def read_document(path: str, kind: str = "scenario") -> dict[str, Any]:
    """A JSON or YAML document from a file, standard input (``-``) or a packaged name."""
    try:
        return fixtures.read(path, kind)
    except fixtures.DocumentError as exc:
        raise AdminError(str(exc)) from None


# ---- accounts ---------------------------------------------------------------------------------


def _accounts_table(accounts: list[dict[str, Any]]) -> None:
    rows = []
    for account in accounts:
        for auth in account["authentications"] or [{}]:
            rows.append(
                [
                    account["name"],
                    auth.get("label", "-"),
                    auth.get("key"),
                    auth.get("secret"),
                    auth.get("idField"),
                    account["contactCount"],
                ]
            )
    _table("Accounts", ["account", "label", "key", "secret", "ID field", "contacts"], rows)


def accounts(args: argparse.Namespace) -> None:
    admin = _client(args)
    if args.action == "list":
        _show(args, admin.accounts(), _accounts_table)
    elif args.action == "create":
        definition = read_document(args.file) if args.file else {"name": args.name}
        if args.name:
            definition["name"] = args.name
        definition = with_authentications(
            definition, args.auth or [], _chosen_id_fields(args.id_field or [], args.auth or [])
        )
        for field, labels in shared_id_fields(definition).items():
            console.print(
                f"[yellow]warning: the authentications {' and '.join(labels)} share the ID field "
                f"{field}: each system's IDs would overwrite the other's (the set-up the vendor "
                f"warns about); give each its own with --id-field LABEL=FIELD[/yellow]"
            )
        _show(args, admin.create_account(definition), lambda a: _accounts_table([a]))
    elif args.action == "reset":
        admin.reset_account(args.name)
        console.print(f"account {args.name} emptied (settings and keys kept)")
    elif args.action == "delete":
        admin.delete_account(args.name)
        console.print(f"account {args.name} deleted")


def _chosen_id_fields(options: list[str], labels: list[str]) -> dict[str, str]:
    """``--id-field LABEL=FIELD`` options as label -> field; each label must be an --auth."""
    chosen: dict[str, str] = {}
    for option in options:
        label, sep, field = option.partition("=")
        if not sep or not label or not field:
            raise AdminError(
                f"--id-field {option!r}: give it as LABEL=FIELD, such as erp=erpCustomerId"
            )
        if label not in labels:
            raise AdminError(
                f"--id-field {option!r}: no --auth {label}; name one of the authentications "
                f"created here ({', '.join(labels) or 'none'})"
            )
        chosen[label] = field
    return chosen


def reset(args: argparse.Namespace) -> None:
    names = _client(args).reset()
    _show(
        args,
        {"accounts": names},
        lambda r: console.print(
            f"accounts back to their fixtures: {', '.join(r['accounts']) or 'none'}; "
            f"fault rules and the journal cleared (the clock is kept)"
        ),
    )


# ---- faults -----------------------------------------------------------------------------------


def _fault_rows(faults: list[dict[str, Any]]) -> None:
    rows = []
    for f in faults:
        match = " ".join(f"{k}={v}" for k, v in f.get("match", {}).items()) or "every call"
        effect = " ".join(f"{k}={v}" for k, v in f["effect"].items())
        when = []
        if f.get("probability", 1) < 1:
            when.append(f"p={f['probability']} seed={f.get('seed', 0)}")
        if f.get("first"):
            when.append(f"first {f['first']}")
        if f.get("after"):
            when.append(f"after {f['after']}")
        if f.get("window"):
            when.append(f"{f['window']['from']}..{f['window']['to']}")
        rows.append([f["id"], match, effect, ", ".join(when) or "always", f["matches"], f["fired"]])
    _table("Fault rules", ["id", "matches calls", "effect", "fires", "matched", "fired"], rows)


def _effect(args: argparse.Namespace) -> dict[str, Any]:
    effect: dict[str, Any] = {"type": args.effect}
    for option, name in (
        ("status", "status"),
        ("error_type", "errorType"),
        ("message", "message"),
        ("retry_after", "retryAfter"),
        ("ms", "ms"),
        ("max_ms", "maxMs"),
        ("seconds", "seconds"),
    ):
        if getattr(args, option) is not None:
            effect[name] = getattr(args, option)
    return effect


def fault(args: argparse.Namespace) -> None:
    admin = _client(args)
    if args.action == "list":
        _show(args, admin.faults(), _fault_rows)
    elif args.action == "add":
        start, _, end = (args.window or "").partition("..")
        rule = rule_document(
            _effect(args),
            {k: getattr(args, k) for k in ("method", "path", "account", "label")},
            (start, end) if args.window else None,
            **{k: getattr(args, k) for k in ("probability", "seed", "first", "after")},
        )
        _show(args, admin.add_fault(rule), lambda f: _fault_rows([f]))
    elif args.action == "rm":
        admin.remove_fault(args.id)
        console.print(f"fault {args.id} removed")
    elif args.action == "clear":
        admin.clear_faults()
        console.print("every fault removed")


# ---- clock ------------------------------------------------------------------------------------


def clock(args: argparse.Namespace) -> None:
    admin = _client(args)
    if args.action == "show":
        state = admin.clock()
    elif args.action == "freeze":
        state = admin.set_clock({"frozenAt": args.value})
    elif args.action == "offset":
        state = admin.set_clock({"offsetSeconds": float(args.value)})
    elif args.action == "advance":
        state = admin.advance_clock(float(args.value))
    else:
        state = admin.set_clock({"mode": "real"})
    _show(args, state, lambda c: console.print(f"clock: {c['mode']}, now {c['now']}"))


# ---- journal ----------------------------------------------------------------------------------

# The journal's filters, each with its help line.
FILTERS = {
    "method": "only calls with this HTTP method, such as POST",
    "path": "only calls to this path or glob, without the API prefix, such as /contact/*",
    "status": "only calls answered with this HTTP status",
    "account": "only calls of this account",
    "key": "only calls signed with this Key",
    "label": "only calls of the authentication with this label",
    "operation": "only calls of this operationId, such as insertContact",
    "fault": "only calls a fault rule fired on: its id, or any",
    "since": "only calls at or after this instant (ISO 8601)",
    "until": "only calls before this instant (ISO 8601)",
}
# The options of `fault add`: (option, type, help).
FAULT_OPTIONS: tuple[tuple[str, type, str], ...] = (
    ("--status", int, "status effect: the HTTP status to answer (default 503)"),
    ("--error-type", str, "status effect: the errorType to answer (default BACKEND_EXCEPTION)"),
    ("--message", str, "status effect: the message to answer"),
    ("--retry-after", int, "rateLimit effect: seconds in Retry-After (default 60)"),
    ("--ms", float, "latency effect: milliseconds to wait"),
    ("--max-ms", float, "latency effect: wait a random time from --ms up to this"),
    ("--seconds", float, "hang effect: seconds before the 503 (default 30)"),
    ("--method", str, "only calls with this HTTP method, such as POST"),
    ("--path", str, "only calls to this path or glob, without the API prefix, such as /contact/*"),
    ("--account", str, "only calls of this account"),
    ("--label", str, "only calls of the authentication with this label"),
    ("--probability", float, "fire on this share of matching calls, 0 to 1 (default 1)"),
    ("--seed", int, "the seed of --probability's draws, for a repeatable run (default 0)"),
    ("--first", int, "fire on the first N matching calls only"),
    ("--after", int, "fire only after N matching calls have passed"),
)


def _journal_rows(entries: list[dict[str, Any]], title: str = "Journal (newest first)") -> None:
    rows = [
        [
            e["id"],
            e["at"],
            e["method"],
            e["path"] + (f"?{e['query']}" if e["query"] else ""),
            e["status"] if e["status"] is not None else "dropped",
            e["errorType"],
            e["account"],
            e["label"],
            f"{e['fault']} {e['faultEffect']}" if e["fault"] else "",
            f"{e['durationMs']:.0f} ms",
        ]
        for e in entries
    ]
    _table(
        title,
        [
            "id",
            "at (simulated)",
            "method",
            "path",
            "status",
            "error",
            "account",
            "label",
            "fault",
            "took",
        ],
        rows,
    )


def journal(args: argparse.Namespace) -> None:
    admin = _client(args)
    filters = {name: getattr(args, name) for name in FILTERS}
    page = admin.requests(**filters, pageSize=args.limit)
    _show(args, page["requests"], _journal_rows)
    if not args.follow:
        return
    last = max([e["id"] for e in page["requests"]], default=0)
    with _until_stopped() as stopped:
        while not stopped.wait(1):
            fresh = _newer_than(admin, filters, last)
            if fresh:
                last = fresh[-1]["id"]
                _show(args, fresh, lambda rows: _journal_rows(rows, "new calls"))


@contextmanager
def _until_stopped() -> Iterator[threading.Event]:
    """An event that Ctrl-C or SIGTERM sets. Set here, not left to Python's KeyboardInterrupt: a
    process started in the background by a non-interactive shell inherits SIGINT ignored, and
    Python then never raises it (a follower started so ran on after Ctrl-C)."""
    stopped = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stopped.set()) for s in STOP_SIGNALS}
    try:
        yield stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _newer_than(admin: AdminClient, filters: dict[str, Any], last: int) -> list[dict[str, Any]]:
    """Every entry after ``last`` that passes the filters, oldest first, however many came."""
    found: dict[int, dict[str, Any]] = {}
    while True:
        page = admin.requests(**filters, newerThan=last, pageSize=1000, after=len(found))
        found.update((e["id"], e) for e in page["requests"])  # a call meanwhile shifts a page
        if len(page["requests"]) < 1000:
            return [found[i] for i in sorted(found)]


# ---- verdicts ---------------------------------------------------------------------------------

VERDICT_FILTERS = ("account", "label", "rule", "severity", "since")


def _verdict_rows(verdicts: list[dict[str, Any]]) -> None:
    if not verdicts:
        console.print("no verdicts: nothing the connectors did calls for a change")
        return
    rows = [
        [
            f"[red]{v['severity']}[/red]" if v["severity"] == "error" else v["severity"],
            v["rule"],
            " / ".join(str(p) for p in (v["account"], v["label"]) if p),
            v["operation"],
            escape(v["entityKey"] or ""),
            " ".join(f"#{i}" for i in v["calls"][:6]) + (" ..." if len(v["calls"]) > 6 else ""),
            escape(v["message"]),
        ]
        for v in verdicts
    ]
    _table(
        "Verdicts (oldest first)",
        ["severity", "rule", "account / label", "operation", "entity", "calls", "what to do"],
        rows,
    )
    errors = sum(v["severity"] == "error" for v in verdicts)
    console.print(f"{errors} error(s), {len(verdicts) - errors} warning(s)")


def verdicts(args: argparse.Namespace) -> int:
    """Print the verdicts; 1 when any has error severity, so CI can gate on it."""
    found = _client(args).verdicts(
        **{name: getattr(args, name) for name in VERDICT_FILTERS},
        burstAttempts=args.burst_attempts,
        burstSeconds=args.burst_seconds,
    )
    _show(args, found, _verdict_rows)
    return 1 if any(v["severity"] == "error" for v in found) else 0


def exposure(args: argparse.Namespace) -> None:
    """What the connector's calls met, per operation, and the failure modes it never met."""
    found = _client(args).exposure(args.account)
    if args.report:
        as_json, as_html = exposure_files.write(found, args.report)
        console.print(f"report written to {as_json} and {as_html}")
    _show(args, found, _exposure_rows)


def _exposure_rows(report: dict[str, Any]) -> None:
    Console(highlight=False, width=max(console.width, 160)).print(exposure_files.table(report))
    for line in exposure_files.unmet_lines(report):
        console.print(line, markup=False)
    errors = sum(v["severity"] == "error" for v in report["verdicts"])
    console.print(
        f"{len(report['verdicts'])} verdict(s), {errors} of them errors: "
        "spotler-sim verdicts lists them"
    )


# ---- rate limits ------------------------------------------------------------------------------


def _rate_limit_line(account: dict[str, Any]) -> None:
    limit = account.get("rateLimit")
    if limit is None:
        console.print(f"account {account['name']}: no rate limit")
        return
    extra = [f"scope {limit['scope']}"]
    if limit.get("costs"):
        extra.append("costs " + ", ".join(f"{k}={v}" for k, v in limit["costs"].items()))
    if limit.get("concurrency"):
        extra.append(f"at most {limit['concurrency']} at once")
    if limit.get("headers"):
        extra.append("RateLimit-* headers")
    console.print(
        f"account {account['name']}: {limit['limit']} calls per {limit['windowSeconds']:g} s "
        f"({'; '.join(extra)})",
        markup=False,
    )
    for usage in account.get("rateLimitUsage", []):
        console.print(
            f"  {usage['budget']}: {usage['spent']} of {limit['limit']} spent in the window, "
            f"{usage['inFlight']} in flight",
            markup=False,
        )


def rate_limit(args: argparse.Namespace) -> None:
    admin = _client(args)
    if args.off:
        account = admin.patch_account(args.name, {"rateLimit": None})
    elif args.limit is None:
        account = admin.call("GET", f"/accounts/{args.name}")
    else:
        if args.window is None:
            raise AdminError("--limit needs --window SECONDS, e.g. --limit 600 --window 60")
        costs = {}
        for cost in args.cost or []:
            name, sep, value = cost.partition("=")
            if not sep or not value.isdigit():
                raise AdminError(f"--cost {cost!r} is not OPERATION=N, e.g. insertContacts=10")
            costs[name] = int(value)
        limit: dict[str, Any] = {"limit": args.limit, "windowSeconds": args.window}
        limit.update(
            {k: v for k, v in (("scope", args.scope), ("concurrency", args.concurrency)) if v}
        )
        if costs:
            limit["costs"] = costs
        if args.headers:
            limit["headers"] = True
        account = admin.patch_account(args.name, {"rateLimit": limit})
    _show(args, account, _rate_limit_line)


# ---- mailings ---------------------------------------------------------------------------------

RATES = (
    ("hard_bounce", "hardBounce"),
    ("soft_bounce", "softBounce"),
    ("open", "open"),
    ("click", "click"),
)


def _sent_table(result: dict[str, Any]) -> None:
    columns = ["sent", "skipped", "delivered", "hardBounces", "softBounces", "opens", "clicks"]
    _table(
        f"Mailing {result['mailing']} sent in {result['account']} at {result['at']}",
        [*columns, "later"],
        [[*(result[c] for c in columns), result["later"]]],
    )
    if result["later"]:
        console.print(
            f"{result['later']} interaction(s) lie after the simulated now; they show in the "
            f"reports once the clock gets there (spotler-sim clock advance SECONDS)"
        )


def mailing(args: argparse.Namespace) -> None:
    request: dict[str, Any] = {"account": args.account}
    if args.contact:
        request["contacts"] = args.contact
        if args.id_field:
            request["idField"] = args.id_field
    else:
        request["all"] = True
    for condition in args.where or []:
        name, sep, value = condition.partition("=")
        if not sep:
            raise AdminError(f"--where {condition!r} is not PROPERTY=VALUE, e.g. city=Utrecht")
        request.setdefault("where", {})[name] = value
    if args.at:
        request["at"] = args.at
    if args.seed is not None:
        request["seed"] = args.seed
    rates = {name: getattr(args, option) for option, name in RATES}
    if any(value is not None for value in rates.values()):
        request["rates"] = {k: v for k, v in rates.items() if v is not None}
    _show(args, _client(args).send_mailing(args.encrypted_id, request), _sent_table)


# ---- snapshots and scenarios ------------------------------------------------------------------


def snapshot(args: argparse.Namespace) -> None:
    admin = _client(args)
    if args.action == "export":
        document = admin.snapshot(args.account)
        text = json.dumps(document, indent=2)
        if args.output:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
            console.print(f"{len(document['accounts'])} account(s) written to {args.output}")
        else:
            print(text)
    else:
        document = read_document(args.file, "snapshot")
        admin.load_snapshot(document)
        console.print(f"loaded {len(document.get('accounts', []))} account(s) from {args.file}")


def scenario(args: argparse.Namespace) -> None:
    document = read_document(args.file)
    applied = _client(args).apply_scenario(document)
    _show(
        args,
        applied,
        lambda a: console.print(
            f"scenario [bold]{a['name']}[/bold] applied: {len(a['faults'])} fault rule(s), "
            f"accounts loaded: {', '.join(a['accounts']) or 'none'}\n{document['description']}"
        ),
    )


# ---- wiring -----------------------------------------------------------------------------------


def register(commands: Any) -> None:
    """Add the admin commands to the ``spotler-sim`` parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        default=env_default("URL", "http://127.0.0.1:8080"),
        help="the simulator (default http://127.0.0.1:8080) [env SPOTLER_SIM_URL]",
    )
    common.add_argument("--token", help="the --admin-token the simulator was started with")
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")

    acc = commands.add_parser(
        "accounts", parents=[common], help="list, create, reset or delete accounts"
    )
    acc.add_argument(
        "action", choices=["list", "create", "reset", "delete"], help="what to do with accounts"
    )
    acc.add_argument("name", nargs="?", help="the account (create, reset, delete)")
    acc.add_argument("--file", help="create from an account definition (JSON or YAML)")
    acc.add_argument(
        "--auth",
        action="append",
        help="create: an authentication label (repeatable); Key and Secret are generated, and "
        "each gets an ID field of its own (the first externalCustomerId, others LABELCustomerId)",
    )
    acc.add_argument(
        "--id-field",
        action="append",
        metavar="LABEL=FIELD",
        help="create: link the --auth LABEL to this ID field instead (repeatable)",
    )
    acc.set_defaults(run=_guarded(accounts, needs_name=("reset", "delete")))

    rst = commands.add_parser(
        "reset",
        parents=[common],
        help="every account back to its fixture, fault rules and the journal cleared",
    )
    rst.set_defaults(run=_guarded(reset))

    flt = commands.add_parser("fault", parents=[common], help="add, list or remove fault rules")
    flt.add_argument(
        "action", choices=["add", "list", "rm", "clear"], help="what to do with fault rules"
    )
    flt.add_argument("id", nargs="?", type=int, help="rm: the rule id")
    flt.add_argument(
        "--effect", choices=EFFECTS, default="status", help="what the rule does (default status)"
    )
    for name, kind, text in FAULT_OPTIONS:
        flt.add_argument(name, type=kind, help=text)
    flt.add_argument("--window", help="simulated-time window FROM..TO (ISO 8601)")
    flt.set_defaults(run=_guarded(fault))

    clk = commands.add_parser("clock", parents=[common], help="show or change the simulated clock")
    clk.add_argument(
        "action",
        choices=["show", "freeze", "offset", "advance", "real"],
        help="show it, freeze it at an instant, offset or advance it, or back to real time",
    )
    clk.add_argument("value", nargs="?", help="freeze: an ISO instant; offset/advance: seconds")
    clk.set_defaults(run=_guarded(clock))

    jnl = commands.add_parser("journal", parents=[common], help="the calls the simulator received")
    for name, text in FILTERS.items():
        jnl.add_argument(f"--{name}", type=int if name == "status" else str, help=text)
    jnl.add_argument("--limit", type=int, default=30, help="entries to show (default 30)")
    jnl.add_argument(
        "--follow", action="store_true", help="keep printing new calls until Ctrl-C or SIGTERM"
    )
    jnl.set_defaults(run=_guarded(journal))

    vrd = commands.add_parser(
        "verdicts",
        parents=[common],
        help="what the connectors did wrong and what to do instead (exit 1 on any error)",
    )
    vrd.add_argument("--account", help="only verdicts on this account's calls")
    vrd.add_argument("--label", help="an authentication label")
    vrd.add_argument("--rule", choices=RULES, help="only this rule's verdicts")
    vrd.add_argument("--severity", choices=SEVERITIES, help="only verdicts of this severity")
    vrd.add_argument("--since", help="only verdicts on calls from this instant on (ISO 8601)")
    vrd.add_argument(
        "--burst-attempts", type=int, help="no-backoff: retries allowed within --burst-seconds"
    )
    vrd.add_argument("--burst-seconds", type=float, help="no-backoff: the span (default 10)")
    vrd.set_defaults(run=_guarded(verdicts))

    rl = commands.add_parser(
        "rate-limit",
        parents=[common],
        help="show, set or remove an account's rate limit (429 with an exact Retry-After)",
    )
    rl.add_argument("name", help="the account")
    rl.add_argument("--limit", type=int, help="calls per window (with --window)")
    rl.add_argument("--window", type=float, help="the sliding window, in seconds")
    rl.add_argument("--scope", choices=["account", "authentication"], help="default account")
    rl.add_argument(
        "--cost", action="append", help="OPERATION=N: what one call spends (repeatable)"
    )
    rl.add_argument("--concurrency", type=int, help="at most this many calls at once")
    rl.add_argument("--headers", action="store_true", help="RateLimit-* headers on every answer")
    rl.add_argument("--off", action="store_true", help="remove the account's rate limit")
    rl.set_defaults(run=_guarded(rate_limit))

    exp = commands.add_parser(
        "exposure",
        parents=[common],
        help="what a connector's calls met, and the failure modes they never met",
    )
    exp.add_argument("--account", help="one account (every account when absent)")
    exp.add_argument("--report", help="also write PATH.json and a self-contained PATH.html")
    exp.set_defaults(run=_guarded(exposure))

    mail = commands.add_parser(
        "mailing", parents=[common], help="send a mailing: sends, bounces, opens and clicks"
    )
    mail.add_argument("action", choices=["send"], help="send: deliver the mailing now")
    mail.add_argument("encrypted_id", help="the regular mailing's encryptedId (GET /mailing)")
    mail.add_argument("--account", required=True, help="the account the mailing belongs to")
    mail.add_argument(
        "--contact",
        action="append",
        help="a contact's ID (repeatable); every reachable one when absent",
    )
    mail.add_argument("--id-field", help="the ID field --contact values are in (the first one)")
    mail.add_argument("--where", action="append", help="without --contact: PROPERTY=VALUE")
    mail.add_argument("--at", help="when it is sent (ISO 8601); now on the simulated clock")
    mail.add_argument("--seed", type=int, help="another seed draws other outcomes (default 0)")
    for option, name in RATES:
        mail.add_argument(
            f"--{option.replace('_', '-')}",
            type=float,
            help=f"the {name} rate instead of the mailing's",
        )
    mail.set_defaults(run=_guarded(mailing))

    snap = commands.add_parser(
        "snapshot", parents=[common], help="export or load accounts as fixture documents"
    )
    snap.add_argument(
        "action", choices=["export", "load"], help="export accounts, or load a document"
    )
    snap.add_argument("file", nargs="?", help="load: the document (JSON or YAML, - for stdin)")
    snap.add_argument("--account", help="export: only this account")
    snap.add_argument("--output", "-o", help="export: write to this file")
    snap.set_defaults(run=_guarded(snapshot))

    scn = commands.add_parser("scenario", parents=[common], help="apply a scenario file")
    scn.add_argument("action", choices=["run"], help="run: apply the scenario")
    scn.add_argument(
        "file", help="a scenario file, or the name of a packaged one such as flaky-network"
    )
    scn.set_defaults(run=_guarded(scenario))


def _flag_hint(args: argparse.Namespace, message: str) -> str:
    """The flag that sets a field the admin API says is missing (``maxMs`` is ``--max-ms``)."""
    found = re.search(r"'(\w+)' is a required property", message)
    if found is None:
        return ""
    option = re.sub(r"(?<!^)([A-Z])", r"_\1", found.group(1)).lower()
    return f" (the CLI's flag: --{option.replace('_', '-')})" if hasattr(args, option) else ""


def _guarded(command: Any, needs_name: tuple[str, ...] = ()) -> Any:
    def run(args: argparse.Namespace) -> int:
        if getattr(args, "action", None) in needs_name and not args.name:
            console.print(f"[red]{args.action} needs an account name[/red]")
            return 2
        try:
            code = command(args)
        except AdminError as error:
            console.print(f"{error}{_flag_hint(args, str(error))}", style="red", markup=False)
            return 1
        return code if isinstance(code, int) else 0

    return run
