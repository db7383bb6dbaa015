"""API calls served on the worker's own loop (worker.py) on ``spotler-sim serve --workers 1``:
a call that a fault rule or a concurrency cap could make wait still goes to a thread, the
moment the rule or the cap is set; hundreds of pipelined calls are all answered, and a client
that does not read its answers holds neither the loop nor the calls of others."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from spotler_sim.config import API_PREFIXES
from spotler_sim.testing.admin_client import AdminClient
from spotler_sim.testing.signing import sign
from tests.e2e.answers import Answer, read_answers
from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving
from tests.waiting import wait_for

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

    def delayed() -> int:
        with fresh_client(server) as api:
            status = api.get("/contact/1001").status_code
        finished.append("delayed")
        return status

    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(delayed)
        # The delayed call has reached the server and waits there.
        wait_for(lambda: admin.faults()[0]["matches"] >= 1, "the delayed call to arrive")
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


def pipelined(server: LiveServer, targets: list[str]) -> bytes:
    """GET calls of these targets (path and query) in one piece, as a pipelining client sends."""
    address = urlsplit(server.base)
    host = f"{address.hostname}:{address.port}"
    return b"".join(
        f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()
        for target in targets
    )


def signed_targets(server: LiveServer, paths: list[str]) -> list[str]:
    """Signed GET targets (path and query) of these API paths, OAuth in the query string."""
    targets = []
    for path in paths:
        url, _ = sign("GET", f"{server.base}{API}{path}", *DEMO_KEYS["webshop"], placement="query")
        targets.append(url[len(server.base) :])
    return targets


def sent_in_pieces(server: LiveServer, calls: bytes, piece: int, count: int) -> list[Answer]:
    """Send ``calls`` on one connection ``piece`` bytes at a time; the first ``count`` answers."""
    address = urlsplit(server.base)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        for start in range(0, len(calls), piece):
            sock.sendall(calls[start : start + piece])
        return read_answers(sock, count)


def unsigned(count: int) -> list[str]:
    """``count`` calls without a signature: each is answered 401."""
    return [f"{API}/contact/{n}" for n in range(count)]


def test_pipelined_calls_are_all_answered(server: LiveServer) -> None:
    calls = pipelined(server, unsigned(500))
    answers = sent_in_pieces(server, calls, len(calls), 500)  # in one piece
    assert len(answers) == 500
    assert all(head.startswith(b"HTTP/1.1 401") for head, _ in answers)


def big_pages(server: LiveServer, admin: AdminClient, count: int) -> bytes:
    """``count`` signed calls for one page of 3,000 contacts of 255-character names, some 5 MB
    each, pipelined: more than the kernel holds for a client that does not read."""
    filler = "x" * 255
    admin.seed_contacts("demo", [
        {"ids": {"externalCustomerId": f"big-{n}"},
         "properties": {"email": f"big{n}@example.com", "firstName": filler, "lastName": filler,
                        "infix": filler, "city": filler, "customerType": filler}}
        for n in range(3000)
    ])  # fmt: skip
    window = "fromDate=2020-01-01&toDate=2030-01-01&pageSize=3000"
    return pipelined(server, signed_targets(server, [f"/contact/updates/list?{window}"] * count))


def test_a_client_that_does_not_read_holds_neither_the_loop_nor_other_clients(
    server: LiveServer, admin: AdminClient
) -> None:
    address = urlsplit(server.base)
    calls = big_pages(server, admin, 3)
    before = admin.count()
    with socket.socket() as stalled:
        stalled.settimeout(60)
        stalled.connect((address.hostname, address.port))
        stalled.sendall(calls)
        # The client reads nothing; meanwhile another client's call is answered (served on the
        # loop, the first page's answer would hold it until the 30 s send timeout).
        wait_for(lambda: admin.count() > before, "the first page served")
        with fresh_client(server) as api:
            api.timeout = httpx.Timeout(10)
            assert api.get("/contact/1001").status_code == 200
        pages = read_answers(stalled, 3)  # then every page arrives whole
    assert len(pages) == 3 and all(head.startswith(b"HTTP/1.1 200") for head, _ in pages)
    assert all(len(body) > 4_000_000 for _, body in pages)


def test_pipelined_calls_cut_anywhere_are_all_answered(server: LiveServer) -> None:
    """Pipelined calls arriving in pieces that end mid-call: the loop takes up a connection's
    next call while that connection's more bytes may already be signalled."""
    answers = sent_in_pieces(server, pipelined(server, unsigned(400)), 997, 400)
    assert len(answers) == 400
    assert all(head.startswith(b"HTTP/1.1 401") for head, _ in answers)


def test_pipelined_calls_served_by_threads_are_answered_one_at_a_time_in_order(
    server: LiveServer, admin: AdminClient
) -> None:
    """While a rule could delay calls they go to threads, one call of a connection at a time:
    answers never interleave and keep the calls' order."""
    admin.add_fault({"match": {"path": "/never-called"}, "effect": {"type": "latency", "ms": 1}})
    targets = signed_targets(server, [f"/contact/pipe-{n}" for n in range(120)])
    answers = sent_in_pieces(server, pipelined(server, targets), 601, 120)
    assert len(answers) == 120
    assert all(head.startswith(b"HTTP/1.1 404") for head, _ in answers)
    assert [f"pipe-{n}" in body.decode() for n, (_, body) in enumerate(answers)] == [True] * 120
