"""The reference connector syncing a webshop to ``spotler-sim serve`` over real HTTP while the
simulator has a bad day, and again while the connector process is killed and restarted.

The end state is read back from the simulator: every customer and product through the API,
every order through an admin snapshot (the API cannot read orders). Nothing may be missing,
nothing may be there twice, every call must end delivered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from spotler_connector.api import SpotlerClient
from spotler_connector.demo import Webshop, busy_day, compare, stored_orders
from spotler_connector.queue import Outbox, RetryPolicy
from spotler_sim.testing.admin_client import AdminClient
from tests.e2e.workers import workers_running
from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving
from tests.waiting import wait_for

KEY, SECRET = DEMO_KEYS["webshop"]
LOGS: dict[int, Path] = {}
# The production ladder, compressed from minutes to fractions of a second.
FAST = RetryPolicy(ladder=(0.05, 0.1, 0.2, 0.4), tail=(0.5,), max_attempts=60, jitter=0.2)
MAINTENANCE = {"from": "2026-11-02T02:00:00Z", "to": "2026-11-02T02:30:00Z"}
BAD_DAY: list[dict[str, Any]] = [
    {"description": "planned maintenance", "window": MAINTENANCE,
     "effect": {"type": "status", "status": 503, "errorType": "BACKEND_EXCEPTION"}},
    {"description": "a 429 burst", "after": 200, "first": 215,
     "effect": {"type": "rateLimit", "retryAfter": 1}},
    {"description": "30 % answer 503", "probability": 0.3, "seed": 21,
     "effect": {"type": "status", "status": 503, "errorType": "BACKEND_EXCEPTION"}},
    {"description": "10 % connection resets", "probability": 0.1, "seed": 22,
     "effect": {"type": "reset"}},
    {"description": "5 % lost answers", "probability": 0.05, "seed": 23,
     "effect": {"type": "lostResponse"}},
]  # fmt: skip


@pytest.fixture
def flaky(tmp_path: Path) -> Any:
    with serving(tmp_path / "serve.log", "--workers", "2") as live:
        admin = AdminClient(live.base)
        admin.set_clock({"frozenAt": "2026-11-02T01:55:00Z"})
        for rule in BAD_DAY:
            admin.add_fault(rule)
        yield live, admin
        admin.close()


def assert_synced(live: LiveServer, admin: AdminClient, shop: Webshop, outbox: Outbox) -> None:
    counts = outbox.counts()
    failed = [
        (c.operation, c.key, c.last_error_type, c.last_error)
        for c in outbox.calls(states=("failed",))
    ]
    assert counts["pending"] == counts["leased"] == counts["failed"] == 0, (counts, failed)
    admin.clear_faults()
    snapshot = admin.snapshot("demo")
    with SpotlerClient(live.base, KEY, SECRET) as api:
        result = compare(shop, api, stored_orders(snapshot))
    assert result.differences == []
    [account] = snapshot["accounts"]
    shop_ids = Counter(
        c["ids"].get("externalCustomerId") for c in account["contacts"]
        if c["ids"].get("externalCustomerId", "").startswith("5")
    )  # fmt: skip
    assert set(shop_ids) == {row["id"] for row in shop.rows("customers")}
    assert max(shop_ids.values()) == 1, "a customer reached Spotler twice"
    orders = Counter(o["externalId"] for o in account["orders"])
    assert max(orders.values()) == 1
    assert admin.verdicts(account="demo", severity="error") == [], "the connector drew a verdict"


def test_a_thousand_changes_sync_exactly_through_a_bad_day(flaky: Any, tmp_path: Path) -> None:
    live, admin = flaky
    outbox = Outbox(tmp_path / "shop.db", policy=FAST)

    def refused() -> int:
        return next(f["fired"] for f in admin.faults() if f["description"] == "planned maintenance")

    shop = Webshop(tmp_path / "shop.db", outbox)
    made = busy_day(shop, customers=400, orders=380)
    assert made >= 1000

    def client() -> SpotlerClient:
        return SpotlerClient(live.base, KEY, SECRET, timeout=5)

    with workers_running(outbox, client, lease_seconds=10):
        wait_for(lambda: outbox.counts()["delivered"] >= 300, "300 deliveries")
        admin.advance_clock(600)  # 02:05: maintenance, every call answers 503
        # Once maintenance has refused several calls, what was answered before it is recorded;
        # while it refuses several more, nothing may be delivered.
        wait_for(lambda: refused() >= 10, "maintenance to refuse calls")
        during, seen = outbox.counts()["delivered"], refused()
        wait_for(lambda: refused() >= seen + 10, "maintenance to refuse more calls")
        assert outbox.counts()["delivered"] == during, "delivered during maintenance"
        admin.advance_clock(1800)  # 02:35: maintenance over
        wait_for(lambda: outbox.counts()["waiting"] == 0, "the outbox to drain", timeout=300)
    fired = {f["description"]: f["fired"] for f in admin.faults()}
    assert all(fired[rule["description"]] > 0 for rule in BAD_DAY), fired
    assert sum(c.ambiguous for c in outbox.calls(states=("delivered",), limit=5000)) > 0
    assert_synced(live, admin, shop, outbox)


def test_a_connector_killed_mid_sync_finishes_the_same_after_a_restart(
    flaky: Any, tmp_path: Path
) -> None:
    live, admin = flaky
    admin.advance_clock(3600)  # past the maintenance window: this run is about the kill
    db = tmp_path / "shop.db"
    outbox = Outbox(db, policy=FAST)
    shop = Webshop(db, outbox)
    busy_day(shop, customers=120, orders=100, seed=3)
    admin.add_fault({"description": "slow", "effect": {"type": "latency", "ms": 20}})

    first = _connector(live, db)
    wait_for(lambda: outbox.counts()["delivered"] >= 60, "60 deliveries")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert outbox.counts()["waiting"] > 0, "the run finished before it could be killed"

    second = _connector(live, db)
    wait_for(
        lambda: outbox.counts()["waiting"] == 0, "the restarted connector to drain", timeout=300
    )
    second.send_signal(signal.SIGTERM)
    assert second.wait(30) == 0, _output(second)
    assert "stopped" in _output(second)
    assert_synced(live, admin, shop, outbox)


def test_sigterm_stops_between_calls_and_hands_back_what_it_claimed(
    live_server: LiveServer, tmp_path: Path
) -> None:
    db = tmp_path / "shop.db"
    outbox = Outbox(db, policy=FAST)
    shop = Webshop(db, outbox)
    made = busy_day(shop, customers=60, orders=0, seed=5)
    with AdminClient(live_server.base) as admin:
        admin.add_fault({"effect": {"type": "latency", "ms": 100}})
    process = _connector(live_server, db, "--batch", "50")
    wait_for(lambda: outbox.counts()["delivered"] >= 5, "5 deliveries")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, _output(process)
    counts = outbox.counts()
    assert counts["leased"] == 0, "a claimed call was left leased"
    assert counts["pending"] > 0 and counts["delivered"] + counts["pending"] == made


def _connector(live: LiveServer, db: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "SPOTLER_KEY": KEY, "SPOTLER_SECRET": SECRET, "SPOTLER_URL": live.base}
    command = [
        sys.executable, "-m", "spotler_connector.cli", "--db", str(db), "run", "--idle", "0.05",
        "--lease", "3", "--ladder", "0.05,0.1,0.2,0.4", "--tail", "0.5", "--max-attempts", "60",
        *extra,
    ]  # fmt: skip
    path = db.parent / f"connector-{time.monotonic_ns()}.log"
    with path.open("w") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
    LOGS[process.pid] = path
    return process


def _output(process: subprocess.Popen[str]) -> str:
    """What ``spotler-connector run`` printed (its log file is named after its pid)."""
    return LOGS[process.pid].read_text()
