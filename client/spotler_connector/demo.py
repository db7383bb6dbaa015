"""The demo: a small webshop syncs to a simulator having a bad day.

:class:`Webshop` is the source system: customers, products and orders in SQLite. Every change
enqueues its Spotler call in the same transaction (the outbox pattern), so the shop never holds
a change Spotler will not hear of. :func:`run_demo` starts ``spotler-sim serve`` for the purpose,
makes it flaky (503s, connection resets, lost answers, a rate-limit burst), lets the shop change
things, drains the outbox with a compressed retry schedule and shows the outcome: what had to be
retried, what failed, whether Spotler now matches the shop, and the simulator's verdicts on the
connector's calls.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from contextlib import AbstractContextManager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from spotler_connector.api import SpotlerClient
from spotler_connector.display import calls_table, show_progress, wide
from spotler_connector.errors import NotFound
from spotler_connector.queue import Outbox, RetryPolicy, transaction
from spotler_connector.sandbox import overview, simulator
from spotler_connector.worker import Worker

SHOP_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, email TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id),
    placed TEXT NOT NULL, value INTEGER NOT NULL, product_ids TEXT NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0
);
"""

# The demo's bad day: every rule seeded, so two runs fail the same calls.
BAD_DAY: list[dict[str, Any]] = [
    {"description": "3 in 10 calls answer 503", "probability": 0.3, "seed": 11,
     "effect": {"type": "status", "status": 503, "errorType": "BACKEND_EXCEPTION"}},
    {"description": "1 in 10 connections is reset", "probability": 0.1, "seed": 12,
     "effect": {"type": "reset"}},
    {"description": "1 in 20 writes is stored but its answer lost", "probability": 0.05,
     "seed": 13, "match": {"method": "POST"}, "effect": {"type": "lostResponse"}},
    {"description": "a burst limit: 6 calls answer 429", "after": 30, "first": 36,
     "effect": {"type": "rateLimit", "retryAfter": 2}},
]  # fmt: skip
DEMO_KEY, DEMO_SECRET = "demo-webshop", "demo-webshop-secret"
QUICK_RETRIES = RetryPolicy(ladder=(0.2, 0.5, 1, 2), tail=(3,), max_attempts=15, jitter=0.2)


class Webshop:
    """Customers, products and orders; each change queues its Spotler call in one transaction."""

    def __init__(self, path: str | Path, outbox: Outbox) -> None:
        self.path, self.outbox = str(path), outbox
        with closing(sqlite3.connect(self.path)) as conn:
            conn.executescript(SHOP_SCHEMA)

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self.path)

    @staticmethod
    def contact(row: sqlite3.Row) -> dict[str, Any]:
        return {"email": row["email"], "firstName": row["first_name"], "lastName": row["last_name"]}

    @staticmethod
    def product(row: sqlite3.Row) -> dict[str, Any]:
        slug = row["id"].lower()
        return {
            "externalId": row["id"], "name": row["name"], "price": row["price"],
            "link": f"https://shop.example/p/{slug}",
            "imageUrl": f"https://shop.example/img/{slug}.jpg",
            "imageLargeUrl": f"https://shop.example/img/{slug}-large.jpg",
        }  # fmt: skip

    @staticmethod
    def order(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "externalId": row["id"], "externalContactId": row["customer_id"],
            "date": row["placed"], "value": row["value"],
            "externalProductIds": row["product_ids"].split(","),
        }  # fmt: skip

    def add_customer(self, customer_id: str, email: str, first: str, last: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO customers VALUES (?, ?, ?, ?)", (customer_id, email, first, last)
            )
            row = conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
            properties = {"properties": self.contact(row)}
            self.outbox.enqueue("contact", customer_id, "contact.insert", properties, conn=conn)

    def change_customer(self, customer_id: str, **fields: str) -> None:
        with self._tx() as conn:
            for column, value in fields.items():
                assert column in ("email", "first_name", "last_name")
                conn.execute(
                    f"UPDATE customers SET {column} = ? WHERE id = ?", (value, customer_id)
                )
            row = conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
            properties = {"properties": self.contact(row)}
            # an upsert: it also creates the contact if its insert failed for good earlier
            self.outbox.enqueue("contact", customer_id, "contact.upsert", properties, conn=conn)

    def add_product(self, product_id: str, name: str, price: int) -> None:
        with self._tx() as conn:
            conn.execute("INSERT INTO products VALUES (?, ?, ?)", (product_id, name, price))
            row = conn.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
            self.outbox.enqueue(
                "product", product_id, "product.insert", self.product(row), conn=conn
            )

    def change_price(self, product_id: str, price: int) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE products SET price = ? WHERE id = ?", (price, product_id))
            row = conn.execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
            self.outbox.enqueue(
                "product", product_id, "product.update", self.product(row), conn=conn
            )

    def place_order(
        self, order_id: str, customer_id: str, product_ids: list[str], value: int, placed: str
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO orders (id, customer_id, placed, value, product_ids) "
                "VALUES (?, ?, ?, ?, ?)",
                (order_id, customer_id, placed, value, ",".join(product_ids)),
            )
            row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
            # the order waits for its customer's and products' earlier calls
            after = [("contact", customer_id), *(("product", p) for p in product_ids)]
            self.outbox.enqueue(
                "order", order_id, "order.insert", self.order(row), after=after, conn=conn
            )

    def cancel_order(self, order_id: str) -> None:
        with self._tx() as conn:
            conn.execute("UPDATE orders SET cancelled = 1 WHERE id = ?", (order_id,))
            self.outbox.enqueue("order", order_id, "order.delete", {}, conn=conn)

    def rows(self, table: str) -> list[sqlite3.Row]:
        with self._tx() as conn:
            return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


FIRST = ["Anna", "Bram", "Chris", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ivo", "Julia"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos"]


def busy_day(shop: Webshop, customers: int, orders: int, seed: int = 7) -> int:
    """A shop's day: new customers and products, orders, changed e-mail addresses and names,
    price changes and cancellations, in a seeded random order. Returns the changes made."""
    rng = random.Random(seed)
    changes = 0
    products = [f"P{n:03d}" for n in range(1, 6)]
    for n, product in enumerate(products):
        shop.add_product(product, f"Product {product}", 995 + 500 * n)
        changes += 1
    customer_ids: list[str] = []
    placed: list[str] = []
    open_orders: list[str] = []
    step = 0
    while len(customer_ids) < customers or len(placed) < orders:
        step += 1
        roll = rng.random()
        if len(customer_ids) < customers and (roll < 0.45 or not customer_ids):
            cid = f"{5000 + len(customer_ids)}"
            first, last = rng.choice(FIRST), rng.choice(LAST)
            shop.add_customer(cid, f"{first.lower()}.{cid}@example.com", first, last)
            customer_ids.append(cid)
        elif len(placed) < orders and roll < 0.8:
            oid = f"O{len(placed) + 1:05d}"
            chosen = rng.sample(products, rng.randint(1, 3))
            shop.place_order(
                oid, rng.choice(customer_ids), chosen, rng.randint(500, 25_000),
                f"2026-11-22T10:{step % 60:02d}:00+01:00",
            )  # fmt: skip
            placed.append(oid)
            open_orders.append(oid)
        elif roll < 0.9:
            cid = rng.choice(customer_ids)
            shop.change_customer(cid, email=f"{cid}.new{step}@example.com")
        elif roll < 0.95 and open_orders:
            shop.cancel_order(open_orders.pop(rng.randrange(len(open_orders))))
        else:
            shop.change_price(rng.choice(products), rng.randint(500, 9_000))
        changes += 1
    return changes


@dataclass
class Comparison:
    contacts: int
    products: int
    orders: int
    differences: list[str]


def compare(shop: Webshop, api: SpotlerClient, stored_orders: dict[str, Any]) -> Comparison:
    """Read every customer and product back from Spotler; orders from the simulator's snapshot
    (the API has no way to read an order back)."""
    differences = []
    customers = shop.rows("customers")
    for row in customers:
        try:
            found = api.get_contact(row["id"])["properties"]
        except NotFound:
            differences.append(f"contact {row['id']} is missing")
            continue
        for name, value in Webshop.contact(row).items():
            if found.get(name) != value:
                differences.append(f"contact {row['id']}: {name} {found.get(name)!r} != {value!r}")
    products = shop.rows("products")
    for row in products:
        try:
            found = api.request("GET", f"/product/{row['id']}")
        except NotFound:
            differences.append(f"product {row['id']} is missing")
            continue
        if int(found["price"]) != row["price"]:
            differences.append(f"product {row['id']}: price {found['price']} != {row['price']}")
    live = [row for row in shop.rows("orders") if not row["cancelled"]]
    expected = {row["id"]: Webshop.order(row) for row in live}
    for order_id in sorted(set(expected) | set(stored_orders)):
        mine, theirs = expected.get(order_id), stored_orders.get(order_id)
        if mine is None:
            differences.append(f"order {order_id} is in Spotler but cancelled in the shop")
        elif theirs is None:
            differences.append(f"order {order_id} is missing")
        elif int(theirs["value"]) != mine["value"]:
            differences.append(f"order {order_id}: value {theirs['value']} != {mine['value']}")
    return Comparison(len(customers), len(products), len(live), differences)


def stored_orders(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The orders of the demo account in an admin snapshot, by externalId."""
    [account] = [a for a in snapshot["accounts"] if a["name"] == "demo"]
    return {o["externalId"]: o for o in account.get("orders", [])}


BAD_DAY_SCENARIO = {
    "name": "connector-demo",
    "description": "503s, connection resets, lost answers and a rate-limit burst",
}


def _typo_and_fix(shop: Webshop, outbox: Outbox, worker: Worker, console: Console) -> None:
    """A customer signs up with a broken e-mail address: Spotler refuses it for good, the call
    shows as failed; the shop fixes the address, its upsert goes through, the operator discards
    the failed call."""
    shop.add_customer("5999", "not-an-email-address", "Typo", "Tester")
    worker.run_once()
    wide.print(calls_table(outbox.calls(states=("failed",)), "failed: the operator sees this"))
    shop.change_customer("5999", email="typo.tester@example.com")
    worker.run_once()
    [call] = outbox.calls(states=("failed",), key="5999")
    outbox.discard(call.id, "address fixed in the shop; the upsert after it was delivered")
    console.print(
        f"   the shop fixed the address, its upsert was delivered, call {call.id} was discarded "
        "(`spotler-connector discard`)"
    )


def _verdicts(verdicts: list[dict[str, Any]], console: Console) -> int:
    """Show what the simulator judged of the connector's calls (GET /__admin/verdicts); the
    number of error verdicts."""
    errors = [v for v in verdicts if v["severity"] == "error"]
    rules = sorted({v["rule"] for v in verdicts if v["severity"] != "error"})
    console.print(
        "[bold]5.[/] the simulator's verdicts on the connector: "
        + ("[green]no error verdict[/]" if not errors else f"[red]{len(errors)} error(s)[/]")
        + (f", {len(verdicts) - len(errors)} warning(s) ({', '.join(rules)})" if rules else "")
    )
    for verdict in errors[:5]:
        console.print(f"   {verdict['rule']}: {verdict['message']}", markup=False)
    return len(errors)


def run_demo(
    *, customers: int, orders: int, scenario: str | None, keep: bool, console: Console
) -> int:
    with tempfile.TemporaryDirectory(prefix="spotler-demo-") as folder:
        work = Path(folder)
        console.print("[bold]1.[/] starting spotler-sim with the demo fixture ...")
        # A packaged scenario (or a file) is applied by the simulator itself, found by name.
        options = ("--scenario", scenario) if scenario else ()
        with simulator(work / "spotler-sim.log", *options) as server:
            if scenario is None:
                server.apply_scenario({**BAD_DAY_SCENARIO, "faults": BAD_DAY})
            console.print(
                f"   simulator on {server.base}, having a bad day "
                f"({scenario or BAD_DAY_SCENARIO['name']}): "
                + "; ".join(f["description"] for f in server.faults() if f.get("description"))
            )
            outbox = Outbox(work / "shop.db", policy=QUICK_RETRIES)
            shop = Webshop(work / "shop.db", outbox)
            made = busy_day(shop, customers, orders)
            console.print(
                f"[bold]2.[/] the webshop made {made} changes; each queued its Spotler call in "
                f"the same transaction: {outbox.counts()['pending']} calls waiting"
            )
            console.print(
                "[bold]3.[/] the connector drains the outbox (retries compressed to seconds)"
            )
            api = SpotlerClient(server.base, DEMO_KEY, DEMO_SECRET, timeout=5)
            worker = Worker(outbox, api, lease_seconds=30)
            started = time.monotonic()
            show_progress(worker, 0.1, until_drained=True)
            took = time.monotonic() - started
            console.print()
            retried = [
                c for c in outbox.calls(states=("delivered",), limit=100_000) if c.attempts > 1
            ]
            console.print(
                f"   done in {took:.1f} s: {len(retried)} calls needed more than one attempt, "
                f"{sum(c.ambiguous for c in retried)} of them replayed as upserts because an answer "
                "was lost after the call left"
            )
            if retried:
                wide.print(calls_table(retried[:10], "some calls that were retried"))
            failed = outbox.calls(states=("failed",))
            if failed:
                wide.print(calls_table(failed, "failed calls (see `spotler-connector failed`)"))
            server.clear_faults()  # the bad day is over
            _typo_and_fix(shop, outbox, worker, console)
            result = compare(shop, api, stored_orders(server.snapshot("demo")))
            console.print(
                f"[bold]4.[/] Spotler holds {result.contacts} contacts, {result.products} "
                f"products and {result.orders} orders of the shop"
            )
            if result.differences:
                console.print("[red]   but differs:[/] " + "; ".join(result.differences[:10]))
            else:
                console.print(
                    "   [green]and matches the shop exactly[/]: nothing lost, nothing twice"
                )
            errors = _verdicts(server.verdicts("demo"), console)
            if keep:
                _keep(server.base, work, console)
            api.close()
    return 1 if result.differences or errors else 0


def _keep(simulator_base: str, work: Path, console: Console) -> None:
    """Leave the simulator running, start the connector's overview of the demo's outbox, and
    wait for Ctrl-C (or SIGTERM); both stop when the demo ends."""
    shop = work / "shop.db"
    with overview(shop, work / "overview.log") as page:
        console.print(
            f"\nsimulator dashboard: {simulator_base}/__admin/\n"
            f"connector overview:  {page}   outbox: {shop}\n"
            f"try: spotler-connector --db {shop} failed --view all\n"
            "Ctrl-C ends the demo and stops both"
        )
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
