"""How an updates/list page costs at 1,000 and at 1,000,000 contacts (run with `make bench`).

The page is read through the real domain and store code. The ratio of the two medians is what
counts (machines are noisy): close to 1 means the cost grows with the page, not the table.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from spotler_sim.domain import contacts
from spotler_sim.domain.paging import PageRequest
from spotler_sim.domain.timewindows import Window
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.accounts import caller_for_key
from spotler_sim.store.contacts import SqliteContacts

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.property.harness import account_document

START = 1_800_000_000_000


def populate(state: State, count: int) -> None:
    with state.db.write() as conn:
        conn.executemany(
            "INSERT INTO contacts (account_id, encrypted_id, email, properties, created_ms, "
            "changed_ms, listed_ms) VALUES (1, ?, ?, '{}', ?, ?, ?)",
            ((f"e{i}", f"c{i}@x.nl", START + i, START + i, START + i) for i in range(count)),
        )
        conn.executemany(
            "INSERT INTO contact_ids (account_id, field, value, contact_id) VALUES (1, 'externalCustomerId', ?, ?)",
            ((str(i), i + 1) for i in range(count)),
        )


def time_pages(state: State, count: int, repeats: int = 30) -> float:
    middle = START + count // 2
    samples = []
    for _ in range(repeats):
        with state.db.write() as conn:
            caller = caller_for_key(conn, "w")
            assert caller is not None
            repo = SqliteContacts(conn, caller.account.id)
            began = time.perf_counter()
            items, _ = contacts.updated(
                repo, caller, Window(middle, middle + 10_000), PageRequest(0, 100), START + count
            )
            samples.append(time.perf_counter() - began)
            assert len(items) == 100
    return statistics.median(samples)


def main() -> None:
    console = Console()
    results = {}
    for count in (1_000, 1_000_000):
        with tempfile.TemporaryDirectory() as folder:
            state = State(Database(str(Path(folder) / "bench.db")))
            load_fixture(state, account_document(shared_field=False))
            with console.status(f"inserting {count:,} contacts..."):
                populate(state, count)
            results[count] = time_pages(state, count)
    table = Table(title="updates/list page of 100 contacts (median of 30)")
    table.add_column("contacts", justify="right")
    table.add_column("median ms", justify="right")
    table.add_column("ratio to 1,000", justify="right")
    for count, seconds in results.items():
        table.add_row(f"{count:,}", f"{seconds * 1000:.2f}", f"{seconds / results[1_000]:.2f}")
    console.print(table)


if __name__ == "__main__":
    main()
