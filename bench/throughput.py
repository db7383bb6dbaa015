"""Requests per second and p99 of the served simulator against baselines served the same way,
all measured in one run on this machine by wrk (run with `make bench`).

Baselines: a Flask hello app and a raw WSGI app answering a contact-sized JSON, each served by
gunicorn -w2, the same raw app served by the simulator's own server (bench/front_server.py: what
the server itself costs a call), and, where Java is present, a WireMock standalone stub answering that JSON (the
npm package `wiremock` ships the jar; `make bench` puts it in bench/.cache). Then the simulator
as a user serves it (`spotler-sim serve --workers 2`, demo fixture): a signed, nonce-checked
GET /contact/1001, the same call unsigned (answered 401) and a signed POST /contact upsert.

Signed calls come from a pool signed just before the run (OAuth parameters in the query
string, one nonce each, fresh timestamps) that bench/pool.lua walks without repeating; a run
that met any 401 or ran out of pool is marked invalid. What counts is the ratio to Flask hello
in the same run (the machine is shared). A shared machine's pace drifts by 10-20 % within a
minute, so Flask hello and the simulator's cases run in BENCH_ROUNDS rounds (default 3), back to
back, and each case's row is its median round by the ratio to that round's Flask hello (the
table also lists each round's ratio). BENCH_DURATION (seconds, default 8) and
BENCH_CONNECTIONS (default 32) change the load. Each row also gives the CPU time the server's
processes (all workers and their parent) spent per answered call while wrk ran: where the
request rate says how fast, that column says where the machine's time went.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spotler_sim.testing.server import API, free_port, running
from spotler_sim.testing.signing import sign

BENCH = Path(__file__).resolve().parent
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
# Flask hello and the simulator's cases are measured this many times, back to back
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
T = TypeVar("T")
THREADS = 2
POOL_RATE = 4_000  # signed calls per second the pool allows for, well above what one gets
KEY, SECRET = "demo-webshop", "demo-webshop-secret"
START = 180  # seconds a server may take to start on a busy machine
UPSERT = {
    "update": True,
    "contact": {"externalId": "bench-1", "properties": {"email": "bench@example.com"}},
}


@dataclass
class Result:
    case: str
    rate: float
    p99_ms: float
    non2xx: int
    unauthorized: int
    reused: int
    errors: int
    signed: bool
    cpu_ms: float | None = None  # the server's CPU time per answered call

    @property
    def note(self) -> str:
        parts = []
        if self.signed and (self.unauthorized or self.reused):
            parts.append(f"INVALID: {self.unauthorized} x 401, {self.reused} pool reuses")
        if self.non2xx and not self.case.endswith("401"):
            parts.append(f"{self.non2xx} non-2xx")
        if self.errors:
            parts.append(f"{self.errors} socket errors")
        return "; ".join(parts)


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) spent so far by ``pid`` and every process below it."""
    ticks = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # gone meanwhile
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
        pending.extend(int(child) for child in children)
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(
    case: str, base: str, paths: list[str], folder: Path, *, method: str = "GET",
    body: bytes | None = None, signed: bool = False, duration: int = DURATION,
    server: int | None = None,
) -> Result:  # fmt: skip
    pool = folder / "pool.txt"
    pool.write_text("\n".join(paths) + "\n")
    body_file = folder / "body.json"
    body_file.write_bytes(body or b"")
    command = [
        "wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "-s", str(BENCH / "pool.lua"),
        base, "--", str(pool), method, str(body_file) if body else "", str(THREADS),
        "once" if signed else "cycle",
    ]  # fmt: skip
    cpu_before = process_tree_cpu(server) if server is not None else 0.0
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = process_tree_cpu(server) - cpu_before if server is not None else None
    found = re.search(r"^POOL (.*)$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk gave no summary:\n{output}")
    values = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    return Result(
        case,
        values["requests"] / (values["duration_us"] / 1e6),
        values["p99_us"] / 1000,
        values["non2xx"],
        values["unauthorized"],
        values["reused"],
        values["errors"],
        signed,
        1000 * cpu / values["requests"] if cpu is not None and values["requests"] else None,
    )


def signed_pool(
    base: str, method: str, path: str, count: int, body: str | None = None
) -> list[str]:
    """``count`` calls signed now, each with its own nonce, as path?query for wrk."""
    urls = []
    for _ in range(count):
        url, _ = sign(method, base + path, KEY, SECRET, placement="query", json_body=body)
        parts = urlsplit(url)
        urls.append(f"{parts.path}?{parts.query}")
    return urls


@contextmanager
def gunicorn(app: str, folder: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
        "--chdir", str(BENCH), "--log-level", "warning", app,
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running(command, base + "/", folder / f"{app}.log", start_timeout=START) as process:
        yield base, process.pid


def wiremock_jar() -> Path | None:
    if subprocess.run(["sh", "-c", "command -v java"], capture_output=True).returncode != 0:
        return None
    return next(iter(sorted((BENCH / ".cache").glob("node_modules/wiremock/**/*.jar"))), None)


@contextmanager
def wiremock(jar: Path, folder: Path) -> Iterator[tuple[str, int]]:
    from baselines import CONTACT

    mappings = folder / "wiremock" / "mappings"
    mappings.mkdir(parents=True)
    stub = {
        "request": {"method": "GET", "urlPath": "/contact/1001"},
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": CONTACT.decode(),
        },
    }
    (mappings / "contact.json").write_text(json.dumps(stub))
    port = free_port()
    command = [
        "java", "-jar", str(jar), "--port", str(port), "--root-dir", str(folder / "wiremock"),
        "--disable-banner", "--no-request-journal",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running(
        command, base + "/contact/1001", folder / "wiremock.log", start_timeout=START
    ) as process:
        yield base, process.pid


@contextmanager
def front_server(folder: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [sys.executable, str(BENCH / "front_server.py"), str(port), str(folder / "raw.db")]
    base = f"http://127.0.0.1:{port}"
    with running(command, base + f"{API}/x", folder / "raw.log", start_timeout=START) as process:
        yield base, process.pid


@contextmanager
def simulator(folder: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [
        sys.executable, "-m", "spotler_sim.cli", "serve", "--port", str(port),
        "--workers", "2", "--db", str(folder / "sim.db"), "--log-level", "warning",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with running(
        command, base + "/openapi.json", folder / "serve.log", start_timeout=START
    ) as process:
        yield base, process.pid


def hello(folder: Path) -> Result:
    """Flask hello served by gunicorn -w2: what every ratio of the table is taken against."""
    label, path = "Flask hello (gunicorn -w2)", "/"
    with gunicorn("baselines:flask_hello", folder) as (base, pid):
        wrk(label, base, [path], folder, duration=1)  # warm up
        return wrk(label, base, [path], folder, server=pid)


def baselines(folder: Path) -> list[Result]:
    """The other baselines, measured once: raw WSGI under gunicorn and under our server, and
    WireMock where Java is present."""
    results = []
    with gunicorn("baselines:raw_wsgi", folder) as (base, pid):
        wrk("raw WSGI, warm up", base, ["/"], folder, duration=1)
        results.append(wrk("raw WSGI JSON (gunicorn -w2)", base, ["/"], folder, server=pid))
    with front_server(folder) as (base, pid):  # the API path: served on the worker's loop
        wrk("raw WSGI, warm up", base, [f"{API}/x"], folder, duration=1)
        label = "raw WSGI JSON (spotler-sim's server)"
        results.append(wrk(label, base, [f"{API}/x"], folder, server=pid))
    jar = wiremock_jar()
    if jar is not None:
        with wiremock(jar, folder) as (base, pid):
            wrk("WireMock stub", base, ["/contact/1001"], folder, duration=5)  # the JIT
            stub = wrk("WireMock stub (contact JSON)", base, ["/contact/1001"], folder, server=pid)
            results.append(stub)
    return results


def simulator_cases(folder: Path) -> list[Result]:
    """The simulator's cases, served as a user serves it (a fresh database each round)."""
    results = []
    pool_size = DURATION * POOL_RATE
    with simulator(folder) as (base, pid):
        unsigned = [f"{API}/contact/1001"]
        wrk("warm up", base, unsigned, folder, duration=2)
        get = signed_pool(base, "GET", f"{API}/contact/1001", pool_size)
        results.append(wrk("signed GET /contact/{id}", base, get, folder, signed=True, server=pid))
        results.append(wrk("unsigned GET, answered 401", base, unsigned, folder, server=pid))
        body = json.dumps(UPSERT)
        post = signed_pool(base, "POST", f"{API}/contact", pool_size, body)
        upsert = wrk(
            "signed POST /contact upsert", base, post, folder, method="POST",
            body=body.encode(), signed=True, server=pid,
        )  # fmt: skip
        results.append(upsert)
    return results


@dataclass
class Round:
    """Flask hello and the simulator's cases, measured back to back."""

    hello: Result
    cases: list[Result]

    def ratio(self, case: int) -> float:
        return self.cases[case].rate / self.hello.rate


def measure(folder: Path, console: Console) -> tuple[list[Result], list[Round]]:
    once = baselines(folder)
    rounds = []
    for n in range(ROUNDS):
        work = folder / f"round-{n}"
        work.mkdir()
        rounds.append(Round(hello(work), simulator_cases(work)))
        ratios = ", ".join(
            f"{c.case} {rounds[-1].ratio(i):.2f}x" for i, c in enumerate(rounds[-1].cases)
        )
        console.print(f"round {n + 1} of {ROUNDS}: {ratios}")
    return once, rounds


def middle(items: list[T], key: Callable[[T], float]) -> T:
    """The median item by ``key`` (the lower one of an even count): one measured round, so
    the row it makes shows numbers that belong together."""
    return sorted(items, key=key)[(len(items) - 1) // 2]


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    console = Console(width=max(Console().width, 140))
    before = uptime()
    with tempfile.TemporaryDirectory() as folder:
        once, rounds = measure(Path(folder), console)
    hello = middle([r.hello for r in rounds], key=lambda h: h.rate)
    table = Table(
        title=f"throughput: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s, {ROUNDS} rounds in one "
        f"run (load before: {before.split('load average: ')[-1]}, after: "
        f"{uptime().split('load average: ')[-1]})",
        caption="Flask hello and the simulator's cases run in each round, back to back; a case's "
        "row is its median round by the ratio to that round's Flask hello. The other baselines "
        "ran once, against the median Flask hello.",
    )
    for column in ("case", "req/s", "p99 ms", "x Flask hello", "server CPU ms/call", "notes"):
        table.add_column(column, justify="left" if column in ("case", "notes") else "right")

    def row(result: Result, ratio: float, note: str) -> None:
        table.add_row(
            result.case,
            f"{result.rate:,.0f}",
            f"{result.p99_ms:,.1f}",
            f"{ratio:.2f}",
            f"{result.cpu_ms:.3f}" if result.cpu_ms is not None else "-",
            "; ".join(part for part in (note, result.note) if part),
        )

    rates = ", ".join(f"{r.hello.rate:,.0f}" for r in rounds)
    row(hello, 1.0, f"rounds: {rates} req/s")
    for result in once:
        row(result, result.rate / hello.rate, "")
    for case in range(len(rounds[0].cases)):
        note = "rounds: " + ", ".join(f"{r.ratio(case):.2f}x" for r in rounds)
        mid = middle(rounds, key=lambda r: r.ratio(case))
        row(mid.cases[case], mid.ratio(case), note)
    console.print(table)
    invalid = [c for r in rounds for c in r.cases if c.signed and (c.unauthorized or c.reused)]
    if invalid:
        console.print("[red]A signed run met 401s or reused its pool: the run is invalid.[/red]")
        sys.exit(1)


if __name__ == "__main__":
    main()
