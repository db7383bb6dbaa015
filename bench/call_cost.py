"""What one call costs in process, through the WSGI app and the demo fixture, without a server:
CPU time, SQL statements and write transactions per call, for the cases of bench/throughput.py
(a signed GET /contact/1001, the same call unsigned and answered 401, a signed upsert).

The served numbers of throughput.py swing with the machine's load; these do far less, so a change
to the hot path is judged here first: `python bench/call_cost.py` (BENCH_CALLS calls per case,
default 2000), `--profile` adds cProfile's top functions of each case.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spotler_sim.app import create_app
from spotler_sim.config import Config
from spotler_sim.fixtures import DEFAULT_FIXTURE
from spotler_sim.fixtures.load import load_fixture_file
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.testing.server import API
from spotler_sim.testing.signing import sign

CALLS = int(os.environ.get("BENCH_CALLS", "2000"))
WARM_UP = 50
HOST = "127.0.0.1:8080"
KEY, SECRET = "demo-webshop", "demo-webshop-secret"
UPSERT = json.dumps(
    {"update": True, "contact": {"externalId": "bench-1", "properties": {"email": "b@example.com"}}}
)

Request = tuple[str, str, bytes]  # method, URL, body


@dataclass
class Cost:
    case: str
    cpu_ms: float
    statements: float
    writes: float
    statuses: dict[str, int]


def requests(case: str, count: int) -> list[Request]:
    base = f"http://{HOST}{API}"
    if case == "unsigned GET, answered 401":
        return [("GET", f"{base}/contact/1001", b"")] * count
    if case == "signed GET /contact/{id}":
        return [
            ("GET", sign("GET", f"{base}/contact/1001", KEY, SECRET, placement="query")[0], b"")
            for _ in range(count)
        ]
    return [
        (
            "POST",
            sign("POST", f"{base}/contact", KEY, SECRET, placement="query", json_body=UPSERT)[0],
            UPSERT.encode(),
        )
        for _ in range(count)
    ]


def environ(method: str, url: str, body: bytes) -> dict[str, Any]:
    parts = urlsplit(url)
    found = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query, "RAW_URI": url.split(HOST, 1)[1],
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST, "HTTP_ACCEPT": "application/json", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }  # fmt: skip
    if body:
        found.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    return found


def caller(app: Callable[..., Iterable[bytes]], statuses: dict[str, int]) -> Callable[..., None]:
    def start_response(status: str, headers: object, exc_info: object = None) -> None:
        statuses[status] = statuses.get(status, 0) + 1

    def call(batch: list[Request]) -> None:
        for method, url, body in batch:
            answer = app(environ(method, url, body), start_response)
            b"".join(answer)
            getattr(answer, "close", lambda: None)()

    return call


def measure(case: str, folder: Path, profile: bool) -> tuple[Cost, str]:
    config = Config(db_path=str(folder / f"{len(list(folder.iterdir()))}.db"))
    state = State(Database(config.db_path))
    load_fixture_file(state, DEFAULT_FIXTURE)
    statuses: dict[str, int] = {}
    call = caller(create_app(config, state), statuses)
    batch = requests(case, WARM_UP + CALLS)
    call(batch[:WARM_UP])
    statuses.clear()
    statements: list[str] = []
    state.db.connection().set_trace_callback(statements.append)  # this thread's connection
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler is not None:
        profiler.runcall(call, batch[WARM_UP:])
    else:
        call(batch[WARM_UP:])
    cpu = time.process_time() - started
    writes = sum(1 for s in statements if s == "BEGIN IMMEDIATE")
    top = ""
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        top = out.getvalue()
    # SQLite's trace reports a statement again for each trigger it fires (the journal's size
    # trigger): a statement repeated back to back is one statement.
    ran = sum(1 for n, s in enumerate(statements) if n == 0 or s != statements[n - 1])
    cost = Cost(case, cpu / CALLS * 1000, ran / CALLS, writes / CALLS, statuses)
    return cost, top


def main() -> None:
    profile = "--profile" in sys.argv
    console = Console(width=max(Console().width, 120))
    table = Table(title=f"cost of one call in process ({CALLS} calls per case, no server)")
    for column in ("case", "CPU ms", "SQL statements", "write transactions", "answers"):
        table.add_column(column, justify="left" if column in ("case", "answers") else "right")
    with tempfile.TemporaryDirectory() as folder:
        for case in (
            "signed GET /contact/{id}", "unsigned GET, answered 401", "signed POST /contact upsert"
        ):  # fmt: skip
            cost, top = measure(case, Path(folder), profile)
            answers = ", ".join(f"{n} x {status}" for status, n in cost.statuses.items())
            table.add_row(
                case, f"{cost.cpu_ms:.3f}", f"{cost.statements:.1f}", f"{cost.writes:.1f}", answers
            )
            if top:
                console.print(f"[bold]{case}[/bold]", top, markup=False)
    load = os.getloadavg()
    console.print(table)
    console.print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
