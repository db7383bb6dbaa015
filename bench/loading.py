"""Loading an account of 1,000, 100,000 or 1,000,000 contacts (run with `make bench`).

For each size a fresh `spotler-sim serve --workers 2` gets an account loaded through the API as
a bulk sync loads it (signed POST /contact/list, batches of 100, from BENCH_CLIENTS client threads
at once, 4 by default: one a worker while the other's answer travels); then one
new contact is created at that size (POST /contact, median of 100), the account is reset, and
the workers' memory is read before and after. Separately, the same contacts are imported as a
fixture in process (fixtures.load.load_fixture, what `serve --fixture` and a snapshot load run).

BENCH_SIZES picks the sizes (default 1000,100000; the million takes minutes:
`make bench BENCH_SIZES=1000,100000,1000000`). What counts are the ratios: the last tenth of the
batches against the first (also divided by the same ratio of a constant reference load run
beside it, which takes out the machine's own drift over the minutes between them), creation and
memory at each size against the smallest.

A second table writes the contacts straight into the file instead (BENCH_FILL_SIZES, default
1000,1000000: seconds for a million), serves every size at once, creates new contacts on each in
turn (so a change in the machine's load falls on every size alike), then reads the workers' memory
and resets each account.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.encrypted_ids import encode
from spotler_sim.testing.server import Server, serving

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000").split(",") if s.strip()]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
BATCH = 100
ROUNDS = 100  # new contacts timed at each size (the median counts)
KEY, SECRET = "load-key", "load-secret"
ACCOUNT: dict[str, Any] = {
    "name": "load",
    "idFields": ["externalCustomerId"],
    "authentications": [
        {"label": "shop", "key": KEY, "secret": SECRET, "idField": "externalCustomerId"}
    ],
}


@dataclass
class Row:
    size: int
    batch_s: float
    first_ms: float
    last_ms: float
    pace: float  # the reference's last tenth against its first (the machine's own drift)
    fixture_s: float
    insert_ms: float
    reset_ms: float
    rss_start_mb: float
    rss_loaded_mb: float


def contact(n: int) -> dict[str, Any]:
    return {
        "externalId": f"c{n}",
        "properties": {"email": f"person{n}@example.com", "firstName": f"Person {n}"},
    }


def workers_rss_mb(server: Server) -> float:
    """Resident memory of the gunicorn workers (the children of the serve process)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total_kb = 0
    for child in children:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def load_batches(server: Server, size: int) -> tuple[float, list[tuple[float, float]]]:
    """The wall time of the whole load, and when each batch began and how long it took, in
    the order of the batches."""
    local = threading.local()
    clients: list[httpx.Client] = []

    def send(start: int) -> tuple[float, float]:
        if not hasattr(local, "api"):
            local.api = server.signed(KEY, SECRET, timeout=600)
            clients.append(local.api)
        body = {"update": True, "contacts": [contact(n) for n in range(start, start + BATCH)]}
        began = time.perf_counter()
        response = local.api.post("/contact/list", json=body)
        seconds = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"batch at {start} answered {response.status_code}: {response.text}")
        return began, seconds

    began = time.perf_counter()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            seconds = list(pool.map(send, range(0, size, BATCH)))
    finally:
        for client in clients:
            client.close()
    return time.perf_counter() - began, seconds


class Reference:
    """The machine's pace while a load runs: a server of its own, holding an account of 1,000
    contacts that never grows, gets the same batch of 100 updates every half second. A batch of
    the load is set against the probes of its own minutes, so a change in what else the machine
    runs (other processes, other users) falls out of the ratio of the last batches to the first."""

    def __init__(self, folder: Path) -> None:
        self.probes: list[tuple[float, float]] = []  # (when, seconds)
        self.refused = ""
        self._stack = ExitStack()
        server, admin = self._stack.enter_context(served(folder / "reference.db"))
        assert admin.post("/accounts", json=ACCOUNT).status_code == 201
        self.api = self._stack.enter_context(server.signed(KEY, SECRET, timeout=600))
        self.body = {"update": True, "contacts": [contact(n) for n in range(BATCH)]}
        for start in range(0, 1000, BATCH):
            batch = [contact(n) for n in range(start, start + BATCH)]
            self.api.post("/contact/list", json={"update": True, "contacts": batch})
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._probe)

    def _probe(self) -> None:
        """A probe at once, then one every half second: a load shorter than that (a thousand
        contacts) still has one to be set against."""
        while True:
            began = time.perf_counter()
            response = self.api.post("/contact/list", json=self.body)
            self.probes.append((began, time.perf_counter() - began))
            if response.status_code != 200:
                self.refused = f"{response.status_code}: {response.text}"
                return
            if self._done.wait(0.5):
                return

    def __enter__(self) -> Reference:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()
        self._stack.close()
        if self.refused:
            raise RuntimeError(f"the reference load was refused: {self.refused}")

    def pace(self, batches: list[tuple[float, float]]) -> float:
        """The mean probe over the time these batches ran (the nearest probe when none fell
        in it)."""
        start = min(began for began, _ in batches)
        end = max(began + seconds for began, seconds in batches)
        inside = [seconds for when, seconds in self.probes if start <= when <= end]
        if inside:
            return statistics.mean(inside)
        return min(self.probes, key=lambda probe: abs(probe[0] - start))[1]


def insert_once(api: httpx.Client, n: int) -> float:
    """Seconds for POST /contact of one new contact."""
    began = time.perf_counter()
    response = api.post("/contact", json={"update": True, "contact": contact(n)})
    seconds = time.perf_counter() - began
    assert response.status_code == 204, response.text
    return seconds


def insert_ms(api: httpx.Client, size: int) -> float:
    return statistics.median(insert_once(api, size + 10_000_000 + n) for n in range(ROUNDS)) * 1000


def fixture_seconds(folder: Path, size: int) -> float:
    seeds = [
        {"ids": {"externalCustomerId": f"c{n}"}, "properties": contact(n)["properties"]}
        for n in range(size)
    ]
    document = {"accounts": [{**ACCOUNT, "contacts": seeds}]}
    state = State(Database(str(folder / "fixture.db")))
    began = time.perf_counter()
    load_fixture(state, document)
    elapsed = time.perf_counter() - began
    state.db.close()
    return elapsed


@contextmanager
def served(db: Path) -> Iterator[tuple[Server, httpx.Client]]:
    """``spotler-sim serve --workers 2`` on this file, and an admin client for it."""
    options = ("--workers", "2", "--no-fixture", "--db", str(db), "--log-level", "warning")
    with (
        serving(db.parent / "serve.log", *options, start_timeout=180) as server,
        httpx.Client(
            base_url=server.base + "/__admin",
            timeout=600,
            headers={"X-Spotler-Sim-Admin": "1"},  # a write a web page could not send
        ) as admin,
    ):
        yield server, admin


def measure(size: int, console: Console) -> Row:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with served(folder / "load.db") as (server, admin):
            assert admin.post("/accounts", json=ACCOUNT).status_code == 201
            rss_start = workers_rss_mb(server)
            with server.signed(KEY, SECRET, timeout=600) as api:
                warm = [contact(n) for n in range(-BATCH, 0)]  # first calls load code
                api.post("/contact/list", json={"update": True, "contacts": warm})
                with (
                    console.status(f"{size:,} contacts through POST /contact/list..."),
                    Reference(folder) as reference,
                ):
                    wall, batches = load_batches(server, size)
                insert = insert_ms(api, size)
            rss_loaded = workers_rss_mb(server)
            began = time.perf_counter()
            answer = admin.post("/accounts/load/reset")
            assert answer.status_code == 204, answer.text
            reset = (time.perf_counter() - began) * 1000
        with console.status(f"{size:,} contacts as a fixture..."):
            fixture = fixture_seconds(folder, size)
    tenth = max(1, len(batches) // 10)
    first, last = batches[:tenth], batches[-tenth:]
    return Row(
        size,
        wall,
        statistics.mean(seconds for _, seconds in first) * 1000,
        statistics.mean(seconds for _, seconds in last) * 1000,
        reference.pace(last) / reference.pace(first),
        fixture,
        insert,
        reset,
        rss_start,
        rss_loaded,
    )


FILL_SIZES = [
    int(s) for s in os.environ.get("BENCH_FILL_SIZES", "1000,1000000").split(",") if s.strip()
]


def fill(path: Path, size: int) -> None:
    """The account with ``size`` contacts written straight into the file (seconds for a
    million), as the batches would leave them: an e-mail address, an ID, listed times and the
    encryptedId made of the row."""
    state = State(Database(str(path)))
    load_fixture(state, {"accounts": [ACCOUNT]})
    with state.db.write() as conn:
        (account,) = conn.execute("SELECT id FROM accounts WHERE name = 'load'").fetchone()
        conn.executemany(
            "INSERT INTO contacts (id, account_id, encrypted_id, encrypted_given, email, "
            "properties, created_ms, changed_ms, listed_ms) VALUES (?, ?, ?, 0, ?, ?, 1, 1, 1)",
            (
                (
                    n + 1,
                    account,
                    encode(account, n + 1),
                    f"person{n}@example.com",
                    json.dumps(contact(n)["properties"]),
                )
                for n in range(size)
            ),
        )
        conn.executemany(
            "INSERT INTO contact_ids (account_id, field, value, contact_id) "
            "VALUES (?, 'externalCustomerId', ?, ?)",
            ((account, f"c{n}", n + 1) for n in range(size)),
        )
    state.db.close()


def at_sizes(sizes: list[int], console: Console) -> list[tuple[int, float, float, float]]:
    """For each size: new-contact ms, reset ms and worker RSS MB of a served account of that
    many contacts filled directly. Every size is served at once and the new contacts go to each
    in turn (median of ROUNDS each), so a change in the machine's load falls on all alike."""
    with tempfile.TemporaryDirectory() as name, ExitStack() as stack:
        servers = []
        for size in sizes:
            db = Path(name) / f"fill-{size}.db"
            with console.status(f"writing {size:,} contacts into a file..."):
                fill(db, size)
            server, admin = stack.enter_context(served(db))
            api = stack.enter_context(server.signed(KEY, SECRET, timeout=600))
            api.get("/contact/c1")  # the first calls load code
            servers.append((size, server, admin, api))
        samples: dict[int, list[float]] = {size: [] for size in sizes}
        for n in range(ROUNDS):
            for size, _, _, api in servers:
                samples[size].append(insert_once(api, size + 10_000_000 + n))
        results = []
        for size, server, admin, _ in servers:
            rss = workers_rss_mb(server)
            began = time.perf_counter()
            answer = admin.post("/accounts/load/reset")
            assert answer.status_code == 204, answer.text
            reset = (time.perf_counter() - began) * 1000
            results.append((size, statistics.median(samples[size]) * 1000, reset, rss))
    return results


def main() -> None:
    console = Console(width=max(Console().width, 170))
    if SIZES:
        loading_table([measure(size, console) for size in SIZES], console)
    if FILL_SIZES:
        filled_table(at_sizes(FILL_SIZES, console), console)


def loading_table(rows: list[Row], console: Console) -> None:
    smallest = rows[0]
    table = Table(title="loading an account (one run; ratios against the first size)")
    columns = (
        "contacts", f"batches s ({CLIENTS} clients)", "batch ms 1st 10%", "last 10%", "last/1st",
        "ref. last/1st", "last/1st ÷ ref.", "fixture s",
        "insert ms", "x 1st", "reset ms", "RSS MB start/loaded", "x 1st",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            f"{row.size:,}",
            f"{row.batch_s:,.1f}",
            f"{row.first_ms:,.1f}",
            f"{row.last_ms:,.1f}",
            f"{row.last_ms / row.first_ms:.2f}",
            f"{row.pace:.2f}",
            f"{row.last_ms / row.first_ms / row.pace:.2f}",
            f"{row.fixture_s:,.1f}",
            f"{row.insert_ms:.1f}",
            f"{row.insert_ms / smallest.insert_ms:.2f}",
            f"{row.reset_ms:,.0f}",
            f"{row.rss_start_mb:,.0f} / {row.rss_loaded_mb:,.0f}",
            f"{row.rss_loaded_mb / smallest.rss_loaded_mb:.2f}",
        )
    console.print(table)


def filled_table(filled: list[tuple[int, float, float, float]], console: Console) -> None:
    table = Table(title="an account filled directly, then served (BENCH_FILL_SIZES)")
    for column in ("contacts", "new contact ms", "x 1st", "reset ms", "worker RSS MB", "x 1st"):
        table.add_column(column, justify="right")
    first = filled[0]
    for size, insert, reset, rss in filled:
        table.add_row(
            f"{size:,}", f"{insert:.1f}", f"{insert / first[1]:.2f}", f"{reset:,.0f}",
            f"{rss:,.0f}", f"{rss / first[3]:.2f}",
        )  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
