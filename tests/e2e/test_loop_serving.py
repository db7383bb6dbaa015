"""API calls served on the worker's own loop (worker.py) on ``spotler-sim serve --workers 1``:
a call that a fault rule or a concurrency cap could make wait still goes to a thread, the
moment the rule or the cap is set, and hundreds of pipelined calls are all answered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from spotler_sim.config import API_PREFIXES
from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving

API = API_PREFIXES[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("loop") / "serve.log", "--workers", "1") as live:
        yield live


@pytest.fixture
def admin(server: LiveServer) -> Iterator[AdminClient]:
    with AdminClient(server.base) as admin:
        yield admin
        admin.clear_faults()
        admin.patch_account("demo", {"rateLimit": None})


def fresh_client(server: LiveServer) -> httpx.Client:
    return server.signed(
        *DEMO_KEYS["webshop"], limits=httpx.Limits(max_keepalive_connections=0), timeout=30
    )


def test_a_delayed_call_does_not_hold_the_calls_after_it(
    server: LiveServer, admin: AdminClient
) -> None:
    with fresh_client(server) as api:  # served on the loop: no rule could make a call wait
        assert api.get("/contact/1001").status_code == 200
    admin.add_fault({"match": {"path": "/contact/1001"}, "effect": {"type": "latency", "ms": 3000}})
    finished: list[str] = []
    started = threading.Event()

    def delayed() -> int:
        with fresh_client(server) as api:
            started.set()
            status = api.get("/contact/1001").status_code
        finished.append("delayed")
        return status

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(delayed)
        assert started.wait(10)
        with fresh_client(server) as api:
            quick = api.get("/contact/1002").status_code
        finished.append("quick")
        assert slow.result(timeout=30) == 200
    # Served on the loop, the delayed call would have kept the only worker's loop for 3 s.
    assert quick == 200 and finished == ["quick", "delayed"]


def test_calls_of_an_account_with_a_concurrency_cap_can_overlap(
    server: LiveServer, admin: AdminClient
) -> None:
    """One worker, a cap of one call in flight: on the loop calls never overlap, so the cap
    would never refuse; on the threads some of 16 calls sent at once overlap."""
    with fresh_client(server) as api:
        assert api.get("/contact/1001").status_code == 200
    admin.patch_account("demo", {"rateLimit": {"limit": 100_000, "windowSeconds": 60,
                                               "concurrency": 1}})  # fmt: skip

    def call(_: int) -> int:
        with fresh_client(server) as api:
            return api.get("/contact/1001").status_code

    statuses: set[int] = set()
    with ThreadPoolExecutor(16) as pool:
        for _ in range(50):
            statuses.update(pool.map(call, range(16)))
            if 429 in statuses:
                break
    assert statuses <= {200, 429} and 429 in statuses


def test_pipelined_calls_are_all_answered(server: LiveServer) -> None:
    address = urlsplit(server.base)
    host = f"{address.hostname}:{address.port}"
    count = 500
    requests = b"".join(
        f"GET {API}/contact/{n} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n"
        .encode()
        for n in range(count)
    )  # fmt: skip
    received = b""
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(requests)
        while received.count(b"HTTP/1.1 401") < count:
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            received += chunk
    assert received.count(b"HTTP/1.1 ") == count
    assert received.count(b"HTTP/1.1 401") == count
