"""``spotler-sim call`` and ``spotler-sim sign``: a signed call from a shell, or the header for one.

OAuth 1.0a cannot be typed by hand, so these commands sign with :func:`spotler_sim.testing.sign`
(oauthlib) and either send the call, print it as a ready ``curl`` command, or print the header
alone. They work against any base URL: the simulator, or the real API.
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from defusedxml import minidom
from rich.console import Console

from spotler_sim.config import API_PREFIXES, env_default
from spotler_sim.lifecycle import trusting
from spotler_sim.testing.admin_client import AdminClient, AdminError
from spotler_sim.testing.signing import sign

console = Console(highlight=False, soft_wrap=True, emoji=False)  # bodies are printed as sent
errors = Console(highlight=False, soft_wrap=True, stderr=True)
DEMO_KEY = ("demo-webshop", "demo-webshop-secret")
DEFAULT_URL = "http://127.0.0.1:8080"


class CallError(Exception):
    """The call could not be made as asked; the message says what to do instead."""


def _credentials(args: argparse.Namespace) -> tuple[str, str]:
    if args.key or args.secret:
        if not (args.key and args.secret):
            raise CallError("--key and --secret go together: pass both, or neither for the demo")
        return args.key, args.secret
    if args.auth or args.account:
        if not (args.auth and args.account):
            raise CallError("--auth LABEL needs --account NAME, e.g. --account demo --auth crm")
        try:
            with AdminClient(args.url, token=args.token) as admin:
                accounts = admin.accounts()
        except AdminError as exc:
            raise CallError(str(exc)) from None
        for account in accounts:
            if account["name"] != args.account:
                continue
            for auth in account["authentications"]:
                if auth["label"] == args.auth:
                    return str(auth["key"]), str(auth["secret"])
            labels = ", ".join(a["label"] for a in account["authentications"]) or "none"
            raise CallError(f"account {args.account} has no authentication {args.auth} ({labels})")
        names = ", ".join(a["name"] for a in accounts) or "none"
        raise CallError(f"no account {args.account} on {args.url} (accounts: {names})")
    return DEMO_KEY


def _url(args: argparse.Namespace) -> str:
    base = str(args.base_url or args.url.rstrip("/") + API_PREFIXES[0]).rstrip("/")
    path = str(args.path if args.path.startswith("/") else "/" + args.path)
    query = []
    for pair in args.query or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CallError(f"--query {pair!r} is not NAME=VALUE, e.g. --query pageSize=10")
        query.append((name, value))
    joiner = "&" if "?" in path else "?"
    return base + path + (joiner + urlencode(query) if query else "")


def _body(data: str | None) -> str | None:
    if data is None:
        return None
    if data.startswith("@"):
        try:
            data = Path(data[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CallError(f"cannot read {data[1:]}: {exc.strerror}") from None
    try:
        json.loads(data)
    except ValueError as exc:
        raise CallError(
            f"--data is not JSON ({exc}): pass a JSON document or @file, "
            """e.g. --data '{"update": true, "contact": {"externalId": "42"}}'"""
        ) from None
    return data


def _signed(args: argparse.Namespace) -> tuple[str, dict[str, str], str | None]:
    """The URL, the headers and the body of the call the arguments describe, signed."""
    key, secret = _credentials(args)
    body = _body(getattr(args, "data", None))
    url, headers = sign(args.method, _url(args), key, secret)
    headers["Accept"] = "application/xml" if getattr(args, "xml", False) else "application/json"
    if body is not None:
        headers["Content-Type"] = "application/json"
    return url, headers, body


def curl_command(method: str, url: str, headers: dict[str, str], body: str | None) -> str:
    """One line of shell that replays a signed call with curl."""
    words = ["curl", "-sS", "-X", method.upper()]
    for name, value in headers.items():
        words += ["-H", f"{name}: {value}"]
    if body is not None:
        words += ["--data-raw", body]
    words.append(url)
    return " ".join(shlex.quote(word) for word in words)


def pretty(response: httpx.Response) -> str:
    """The body indented, as JSON or XML; as sent when it is neither."""
    text = response.text
    if not text:
        return "(no body)"
    kind = response.headers.get("Content-Type", "")
    try:
        if "json" in kind:
            return json.dumps(response.json(), indent=2, ensure_ascii=False)
        if "xml" in kind:
            document = minidom.parseString(response.content)
            return str(document.toprettyxml(indent="  ")).split("\n", 1)[1].rstrip()
    except Exception:  # a broken body is shown as it came
        return text
    return text


HINTS = {
    400: "the message names the value that was refused and what it takes",
    401: "check the Key and Secret (spotler-sim accounts list shows them) and that your clock "
    "is right; docs/troubleshooting.md explains every 401",
    404: "check the path and the ID: the API's paths are listed at /docs/",
    429: "the account is rate limited: wait as Retry-After says",
}


def call(args: argparse.Namespace) -> int:
    url, headers, body = _signed(args)
    if args.print_curl:
        console.print(curl_command(args.method, url, headers, body), markup=False)
        errors.print("[dim]valid once and for 5 minutes (the nonce and timestamp are signed)[/dim]")
        return 0
    try:
        response = httpx.request(
            args.method.upper(),
            url,
            headers=headers,
            content=body,
            timeout=args.timeout,
            verify=trusting(args.cacert),
        )
    except httpx.TransportError as exc:
        raise CallError(
            f"cannot reach {url} ({exc}): start the simulator with `spotler-sim serve`, "
            "or pass --url / --base-url"
        ) from None
    colour = "green" if response.status_code < 400 else "red"
    console.print(
        f"[{colour}]{response.status_code} {response.reason_phrase}[/{colour}] "
        f"{args.method.upper()} {url.split('?')[0]}"
    )
    console.print(pretty(response), markup=False)  # rich ends quietly when a pipe closes
    if response.status_code >= 400:
        hint = HINTS.get(response.status_code)
        if hint is None and response.status_code >= 500:
            hint = "a server error: see the simulator's log, or spotler-sim journal"
        errors.print("[red]the call failed[/red]" + (f": {hint}" if hint else ""))
        return 1
    return 0


def sign_command(args: argparse.Namespace) -> int:
    key, secret = _credentials(args)
    _, headers = sign(args.method, args.target, key, secret)
    console.print(f"Authorization: {headers['Authorization']}", markup=False)
    return 0


def _guarded(command: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            code: int = command(args)
        except CallError as error:
            errors.print(f"[red]{error}[/red]")
            return 2
        return code

    return run


def register(commands: Any) -> None:
    """Add ``call`` and ``sign`` to the ``spotler-sim`` parser."""
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--key", help="the Key to sign with (default: the demo's demo-webshop)")
    who.add_argument("--secret", help="the Secret that goes with --key")
    who.add_argument("--auth", help="sign as this authentication label of --account")
    who.add_argument("--account", help="with --auth: the account (looked up on --url)")
    who.add_argument(
        "--url",
        default=env_default("URL", DEFAULT_URL),
        help=f"the simulator (default {DEFAULT_URL}; env SPOTLER_SIM_URL)",
    )
    who.add_argument("--token", help="the --admin-token, to look up --auth on the simulator")

    run = commands.add_parser(
        "call",
        parents=[who],
        help="make one signed call and print the answer",
        description="Sign a call with OAuth 1.0a, send it and print the status and the body. "
        "Exits 1 when the answer is 4xx or 5xx.",
        epilog="example: spotler-sim call GET /contact/1001",
    )
    run.add_argument("method", help="GET, POST, PUT or DELETE")
    run.add_argument("path", help="the path under the API base, e.g. /contact/1001")
    run.add_argument("--data", help="the JSON body, or @FILE to read it from a file")
    run.add_argument("--query", action="append", help="a query parameter NAME=VALUE (repeatable)")
    run.add_argument("--xml", action="store_true", help="ask for XML instead of JSON")
    run.add_argument(
        "--base-url",
        help="the API base instead of --url, e.g. https://restapi.mailplus.nl/integrationservice-1.1.0",
    )
    run.add_argument(
        "--print-curl",
        action="store_true",
        help="print a signed curl command instead of calling (valid once, for 5 minutes)",
    )
    run.add_argument("--cacert", help="trust this CA file for https (serve --tls prints it)")
    run.add_argument("--timeout", type=float, default=30, help="seconds (default 30)")
    run.set_defaults(run=_guarded(call))

    header = commands.add_parser(
        "sign",
        parents=[who],
        help="print the Authorization header for one call",
        description="Print the OAuth 1.0a Authorization header that signs METHOD on URL (the "
        "whole URL, query included). Valid once and for 5 minutes.",
        epilog='example: curl -H "$(spotler-sim sign GET '
        'http://127.0.0.1:8080/integrationservice-1.1.0/contact/1001)" '
        "-H 'Accept: application/json' http://127.0.0.1:8080/integrationservice-1.1.0/contact/1001",
    )
    header.add_argument("method", help="GET, POST, PUT or DELETE")
    header.add_argument("target", metavar="URL", help="the full URL the call goes to")
    header.set_defaults(run=_guarded(sign_command))
