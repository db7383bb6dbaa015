"""The account's rate limit on ``spotler-sim serve --workers 2``: the limit holds exactly across
both workers, its Retry-After lets the next call through, reset and a new limit clear the
counters, the concurrency cap and the headers, and the reference connector meeting the
``rate-limited-account`` scenario without drawing a verdict."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from spotler_connector.api import SpotlerClient
from spotler_connector.demo import Webshop, busy_day
from spotler_connector.queue import Outbox, RetryPolicy
from spotler_sim import fixtures
from spotler_sim.testing.admin_client import AdminClient
from tests.e2e.workers import workers_running
from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving
from tests.waiting import wait_for

KEY, SECRET = DEMO_KEYS["webshop"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("limits") / "serve.log", "--workers", "2") as live:
        yield live


@pytest.fixture
def live(server: LiveServer) -> Iterator[tuple[LiveServer, AdminClient]]:
    """The module's server with no limit on the demo account and an empty journal after each
    test (a test's calls are judged on their own)."""
    with AdminClient(server.base) as admin:
        yield server, admin
        admin.clear_requests()
        admin.clear_faults()
        admin.patch_account("demo", {"rateLimit": None})
        admin.reset_account("demo")


def limit(admin: AdminClient, **rate: Any) -> None:
    admin.patch_account("demo", {"rateLimit": rate})


def fresh_client(server: LiveServer) -> httpx.Client:
    # no kept connections: gunicorn hands each call to whichever worker accepts it
    return server.server.signed(KEY, SECRET, limits=httpx.Limits(max_keepalive_connections=0))


def test_the_limit_holds_exactly_across_two_workers(
    live: tuple[LiveServer, AdminClient],
) -> None:
    server, admin = live
    admin.clear_requests()
    limit(admin, limit=25, windowSeconds=3600)

    def call(_: int) -> tuple[int, str]:
        with fresh_client(server) as api:
            answer = api.get("/contact/1001")
            return answer.status_code, answer.headers["X-Spotler-Sim-Worker"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(call, range(80)))
    statuses = Counter(status == 429 for status, _ in answers)
    assert statuses == {False: 25, True: 55}
    assert len({worker for _, worker in answers}) == 2, "one worker took every call"
    journal = admin.requests(account="demo", path="/contact/1001", pageSize=80)["requests"]
    assert Counter(e["rateLimit"]["passed"] for e in journal) == {True: 25, False: 55}


def test_the_retry_after_lets_the_next_call_through(live: tuple[LiveServer, AdminClient]) -> None:
    server, admin = live
    # The window is long enough for three calls on a loaded machine (with 2 s, the first call
    # could leave the window before the third arrived, and the third passed); the test waits
    # only the Retry-After it is given.
    limit(admin, limit=2, windowSeconds=6, headers=True)
    with server.server.signed(KEY, SECRET) as api:
        first = api.get("/contact/1001")
        assert first.status_code != 429 and first.headers["RateLimit-Remaining"] == "1"
        assert api.get("/contact/1001").headers["RateLimit-Remaining"] == "0"
        refused = api.get("/contact/1001")
        answered = time.monotonic()
        assert refused.status_code == 429
        assert refused.json()["errorType"] == "INVALID_STATE"
        assert "the limit of 2 per 6 s for this account" in refused.json()["message"]
        wait = int(refused.headers["Retry-After"])
        assert 1 <= wait <= 6 and refused.headers["RateLimit-Remaining"] == "0"
        while time.monotonic() < answered + wait:
            time.sleep(answered + wait - time.monotonic())
        assert api.get("/contact/1001").status_code != 429
    assert admin.verdicts(account="demo", rule="retry-before-retry-after") == []


def test_reset_and_a_new_limit_start_with_the_budget_whole(
    live: tuple[LiveServer, AdminClient],
) -> None:
    server, admin = live
    limit(admin, limit=1, windowSeconds=3600, scope="authentication")
    with server.server.signed(KEY, SECRET) as shop, server.server.signed(*DEMO_KEYS["crm"]) as crm:
        assert shop.get("/contact/1001").status_code != 429
        assert shop.get("/contact/1001").status_code == 429
        assert crm.get("/contact/1001").status_code != 429  # a budget of its own
        [usage] = [u for u in admin.call("GET", "/accounts/demo")["rateLimitUsage"]
                   if u["budget"] == "authentication:webshop"]  # fmt: skip
        assert usage == {"budget": "authentication:webshop", "spent": 1, "inFlight": 0}
        admin.reset_account("demo")
        assert admin.call("GET", "/accounts/demo")["rateLimit"]["limit"] == 1  # kept
        assert shop.get("/contact/1001").status_code != 429  # counted afresh
        assert shop.get("/contact/1001").status_code == 429
        limit(admin, limit=2, windowSeconds=3600, scope="authentication")
        assert shop.get("/contact/1001").status_code != 429
        admin.patch_account("demo", {"rateLimit": None})
        assert all(shop.get("/contact/1001").status_code != 429 for _ in range(5))


def test_the_cli_sets_shows_and_removes_a_limit_the_dashboard_shows(
    live: tuple[LiveServer, AdminClient],
) -> None:
    server, _ = live
    cli = [sys.executable, "-m", "spotler_sim.cli", "rate-limit", "demo", "--url", server.base]
    env = {**os.environ, "COLUMNS": "160"}

    def run(*options: str, status: int = 0) -> str:
        done = subprocess.run(
            [*cli, *options], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == status, done.stdout + done.stderr
        return done.stdout

    made = run("--limit", "3", "--window", "60", "--cost", "insertContacts=2", "--headers")
    assert "account demo: 3 calls per 60 s (scope account; costs insertContacts=2;" in made
    with server.server.signed(KEY, SECRET) as api:
        api.get("/contact/1001")
    assert "account: 1 of 3 spent in the window, 0 in flight" in run()
    page = httpx.get(server.base + "/__admin/").text
    assert "rate limit 3 per 60 s" in page and "account spent 1, 0 in flight" in page
    assert "--cost 'x' is not OPERATION=N" in run("--limit", "3", "--window", "9", "--cost", "x",
                                                   status=1)  # fmt: skip
    assert "no operationId of the Spotler API" in run(
        "--limit", "3", "--window", "9", "--cost", "nope=1", status=1
    )
    assert "account demo: no rate limit" in run("--off")


def test_calls_over_the_concurrency_cap_wait_a_second(
    live: tuple[LiveServer, AdminClient],
) -> None:
    server, admin = live
    limit(admin, limit=100, windowSeconds=60, concurrency=1)
    admin.add_fault({"match": {"account": "demo"}, "effect": {"type": "latency", "ms": 1500}})

    def call(_: int) -> httpx.Response:
        with fresh_client(server) as api:
            return api.get("/contact/1001")

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(call, range(3)))
    admin.clear_faults()
    refused = [a for a in answers if a.status_code == 429]
    assert len(refused) == 2 and all(a.headers["Retry-After"] == "1" for a in refused)
    assert "more than 1 calls at once" in refused[0].json()["message"]
    assert admin.call("GET", "/accounts/demo")["rateLimitUsage"][0]["inFlight"] == 0


def test_the_reference_connector_meets_the_rate_limited_account_without_a_verdict(
    live: tuple[LiveServer, AdminClient], tmp_path: Path
) -> None:
    server, admin = live
    admin.apply_scenario(fixtures.read("rate-limited-account"))
    outbox = Outbox(
        tmp_path / "shop.db",
        policy=RetryPolicy(ladder=(0.05, 0.1, 0.2, 0.4), tail=(0.5,), max_attempts=60),
    )
    shop = Webshop(tmp_path / "shop.db", outbox)
    busy_day(shop, customers=30, orders=20, seed=5)
    with workers_running(outbox, lambda: SpotlerClient(server.base, KEY, SECRET)):
        wait_for(lambda: outbox.counts()["waiting"] == 0, "the outbox to drain", timeout=180)
    counts = outbox.counts()
    assert counts["waiting"] == counts["failed"] == 0, counts
    assert admin.count(account="demo", status=429) > 0, "the limit was never met"
    assert admin.verdicts(account="demo") == []
