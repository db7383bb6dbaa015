"""``spotler-sim accounts|fault|clock|journal|mailing|snapshot|scenario``: the admin API from a
shell.

Every command talks to a running simulator (``--url``, default http://127.0.0.1:8080) and prints
a table, or the raw JSON with ``--json`` for scripts.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from spotler_sim import fixtures
from spotler_sim.domain.faults import EFFECTS, rule_document
from spotler_sim.testing.admin_client import AdminClient, AdminError

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
        for label in args.auth or []:
            definition.setdefault("authentications", []).append({"label": label})
        _show(args, admin.create_account(definition), lambda a: _accounts_table([a]))
    elif args.action == "reset":
        admin.reset_account(args.name)
        console.print(f"account {args.name} emptied (settings and keys kept)")
    elif args.action == "delete":
        admin.delete_account(args.name)
        console.print(f"account {args.name} deleted")


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

FILTERS = (
    "method",
    "path",
    "status",
    "account",
    "key",
    "label",
    "operation",
    "fault",
    "since",
    "until",
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
    try:
        while True:
            time.sleep(1)
            fresh = _newer_than(admin, filters, last)
            if fresh:
                last = fresh[-1]["id"]
                _show(args, fresh, lambda rows: _journal_rows(rows, "new calls"))
    except KeyboardInterrupt:
        return


def _newer_than(admin: AdminClient, filters: dict[str, Any], last: int) -> list[dict[str, Any]]:
    """Every entry after ``last`` that passes the filters, oldest first, however many came."""
    found: dict[int, dict[str, Any]] = {}
    while True:
        page = admin.requests(**filters, newerThan=last, pageSize=1000, after=len(found))
        found.update((e["id"], e) for e in page["requests"])  # a call meanwhile shifts a page
        if len(page["requests"]) < 1000:
            return [found[i] for i in sorted(found)]


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
        default="http://127.0.0.1:8080",
        help="the simulator (default http://127.0.0.1:8080)",
    )
    common.add_argument("--token", help="the --admin-token the simulator was started with")
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")

    acc = commands.add_parser(
        "accounts", parents=[common], help="list, create, reset or delete accounts"
    )
    acc.add_argument("action", choices=["list", "create", "reset", "delete"])
    acc.add_argument("name", nargs="?", help="the account (create, reset, delete)")
    acc.add_argument("--file", help="create from an account definition (JSON or YAML)")
    acc.add_argument(
        "--auth",
        action="append",
        help="create: an authentication label (repeatable); Key and Secret are generated",
    )
    acc.set_defaults(run=_guarded(accounts, needs_name=("reset", "delete")))

    flt = commands.add_parser("fault", parents=[common], help="add, list or remove fault rules")
    flt.add_argument("action", choices=["add", "list", "rm", "clear"])
    flt.add_argument("id", nargs="?", type=int, help="rm: the rule id")
    flt.add_argument(
        "--effect",
        choices=EFFECTS,
        default="status",
    )
    for name, kind in (("--status", int), ("--error-type", str), ("--message", str), ("--retry-after", int),
                       ("--ms", float), ("--max-ms", float), ("--seconds", float), ("--method", str),
                       ("--path", str), ("--account", str), ("--label", str), ("--probability", float),
                       ("--seed", int), ("--first", int), ("--after", int)):  # fmt: skip
        flt.add_argument(name, type=kind)
    flt.add_argument("--window", help="simulated-time window FROM..TO (ISO 8601)")
    flt.set_defaults(run=_guarded(fault))

    clk = commands.add_parser("clock", parents=[common], help="show or change the simulated clock")
    clk.add_argument("action", choices=["show", "freeze", "offset", "advance", "real"])
    clk.add_argument("value", nargs="?", help="freeze: an ISO instant; offset/advance: seconds")
    clk.set_defaults(run=_guarded(clock))

    jnl = commands.add_parser("journal", parents=[common], help="the calls the simulator received")
    for name in FILTERS:
        jnl.add_argument(f"--{name}", type=int if name == "status" else str)
    jnl.add_argument("--limit", type=int, default=30, help="entries to show (default 30)")
    jnl.add_argument("--follow", action="store_true", help="keep printing new calls until Ctrl-C")
    jnl.set_defaults(run=_guarded(journal))

    mail = commands.add_parser(
        "mailing", parents=[common], help="send a mailing: sends, bounces, opens and clicks"
    )
    mail.add_argument("action", choices=["send"])
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
    snap.add_argument("action", choices=["export", "load"])
    snap.add_argument("file", nargs="?", help="load: the document (JSON or YAML, - for stdin)")
    snap.add_argument("--account", help="export: only this account")
    snap.add_argument("--output", "-o", help="export: write to this file")
    snap.set_defaults(run=_guarded(snapshot))

    scn = commands.add_parser("scenario", parents=[common], help="apply a scenario file")
    scn.add_argument("action", choices=["run"])
    scn.add_argument(
        "file", help="a scenario file, or the name of a packaged one such as flaky-network"
    )
    scn.set_defaults(run=_guarded(scenario))


def _guarded(command: Any, needs_name: tuple[str, ...] = ()) -> Any:
    def run(args: argparse.Namespace) -> int:
        if getattr(args, "action", None) in needs_name and not args.name:
            console.print(f"[red]{args.action} needs an account name[/red]")
            return 2
        try:
            command(args)
        except AdminError as error:
            console.print(f"[red]{error}[/red]")
            return 1
        return 0

    return run
