"""What a report call costs over 100 and over 100,000 interactions (run with `make bench`).

The demo's unsent "Winter sale" mailing is sent through the admin send action's own code to 60
or to 60,000 contacts; with its outcome rates that records about 100 or 100,000 interactions
(sends, opens, clicks, bounces). Each report is then called over HTTP, signed, validated and
answered by the whole app in process, as a connector calls it. What counts is the ratio of the
two medians (machines are noisy): close to 1 means a page costs what the page holds, not what
the account holds. A page far into a list (``after`` is an offset, as in the real API) still
steps over the rows before it in the index: that one grows a little with the offset.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spotler_sim.app import create_app
from spotler_sim.config import DEFAULT_FIXTURE, Config
from spotler_sim.domain import mailings
from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.fixtures.load import load_fixture_file
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.mailings import SqliteMailings
from spotler_sim.testing.signing import OAuth1Auth

WINTER = "bWFpbC13aW50ZXItc2FsZQ"
FIELD = "externalCustomerId"
DAY_MS = 86_400_000
SIZES = {"~100": 60, "~100,000": 60_000}  # label: contacts the mailing is sent to
PAGE = 20  # rows a page asks for: both sizes fill it, so the pages hold the same
REPEATS = 30


def populate(state: State, contacts: int) -> int:
    """Add contacts to the demo account, send the winter sale to them a week ago; how many
    interactions that recorded."""
    with state.db.write() as conn:
        account = state.account(conn, "demo")
        now = state.now_ms(conn)
        rows = conn.execute("SELECT max(id) FROM contacts").fetchone()[0]
        conn.executemany(
            "INSERT INTO contacts (id, account_id, encrypted_id, email, properties, created_ms, "
            "changed_ms, listed_ms) VALUES (?, ?, ?, ?, '{}', ?, ?, ?)",
            (
                (rows + 1 + i, account.id, f"bench{i}", f"b{i}@x.nl", now, now, now)
                for i in range(contacts)
            ),
        )
        conn.executemany(
            "INSERT INTO contact_ids (account_id, field, value, contact_id) VALUES (?, ?, ?, ?)",
            ((account.id, FIELD, f"b{i}", rows + 1 + i) for i in range(contacts)),
        )
        body = {
            "account": "demo",
            "contacts": [f"b{i}" for i in range(contacts)],
            "idField": FIELD,
            "at": iso_utc(now - 8 * DAY_MS),  # long enough ago for every open and click
        }
        repo, recipients = SqliteMailings(conn, account.id), SqliteContacts(conn, account.id)
        mailings.send(repo, recipients, account, WINTER, body, now)
        (count,) = conn.execute(
            "SELECT count(*) FROM interactions WHERE mailing = ?", (WINTER,)
        ).fetchone()
    return int(count)


def calls(contacts: int) -> dict[str, tuple[str, dict[str, object]]]:
    middle = f"b{contacts // 2}"
    return {
        "recipients, page of 20": (f"/mailing/{WINTER}/recipients", {"pageSize": PAGE}),
        "opens, page of 20 from the middle": (
            f"/mailing/{WINTER}/opens",
            {"pageSize": PAGE, "after": contacts // 4},
        ),
        "clicks, page of 20": (f"/mailing/{WINTER}/clicks", {"pageSize": PAGE}),
        "one contact's opens": (f"/mailing/{WINTER}/opens/{middle}", {}),
        "statistics": (f"/mailing/{WINTER}/statistics", {}),
        "opened interactions, page of 20": (
            "/mailing-interaction/opened",
            {"pageSize": PAGE, "fromDate": "2000-01-01", "toDate": "2100-01-01"},
        ),
        "contact's mailing history": (f"/contact/{middle}/mailings", {}),
    }


def measure(api: httpx.Client, path: str, params: dict[str, object]) -> float:
    samples = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        response = api.get(path, params=params)
        samples.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
    return statistics.median(samples)


def main() -> None:
    console = Console()
    results: dict[str, dict[str, float]] = {}
    counts: dict[str, int] = {}
    for label, contacts in SIZES.items():
        with tempfile.TemporaryDirectory() as folder:
            db_path = str(Path(folder) / "bench.db")
            state = State(Database(db_path))
            load_fixture_file(state, DEFAULT_FIXTURE)
            with console.status(f"sending a mailing to {contacts:,} contacts..."):
                counts[label] = populate(state, contacts)
            app = create_app(Config(db_path=db_path), state)
            with httpx.Client(
                transport=httpx.WSGITransport(app=app),
                base_url="http://127.0.0.1/integrationservice-1.1.0",
                auth=OAuth1Auth("demo-webshop", "demo-webshop-secret"),
                headers={"Accept": "application/json"},
            ) as api:
                for name, (path, params) in calls(contacts).items():
                    with console.status(f"{label} interactions: {name}..."):
                        results.setdefault(name, {})[label] = measure(api, path, params)
            state.db.close()
    small, large = SIZES
    table = Table(title=f"report calls over HTTP in process (median of {REPEATS}, ms)")
    table.add_column("call")
    table.add_column(f"{counts[small]:,} interactions", justify="right")
    table.add_column(f"{counts[large]:,} interactions", justify="right")
    table.add_column("ratio", justify="right")
    for name, by_size in results.items():
        ratio = by_size[large] / by_size[small]
        table.add_row(
            name, f"{by_size[small] * 1000:.2f}", f"{by_size[large] * 1000:.2f}", f"{ratio:.2f}"
        )
    console.print(table)


if __name__ == "__main__":
    main()
