"""Fault rules and the request journal, observed by a real HTTP client through gunicorn."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving
from tests.waiting import wait_for

CONTACT = {
    "update": True,
    "contact": {"externalId": "f-1", "properties": {"email": "f@example.com"}},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("faults") / "serve.log"
    with serving(log, "--workers", "2") as live:
        yield live


@pytest.fixture
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base + "/__admin") as client:
        yield client
        client.delete("/faults")
        client.delete("/requests")
        client.put("/clock", json={"mode": "real"})


def api(server: LiveServer, who: str = "webshop", timeout: float = 10) -> httpx.Client:
    """A signed client without the contract hook: faults answer what the contract cannot."""
    return server.signed(*DEMO_KEYS[who], timeout=timeout)


def add(admin: httpx.Client, rule: dict[str, Any]) -> int:
    created = admin.post("/faults", json=rule)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_a_status_fault_answers_spotlers_error_and_stores_nothing(
    server: LiveServer, admin: httpx.Client
) -> None:
    fault = add(
        admin,
        {
            "match": {"method": "POST", "path": "/contact"},
            "effect": {"type": "status", "status": 503},
        },
    )
    with api(server) as client:
        refused = client.post("/contact", json=CONTACT)
        assert refused.status_code == 503
        assert refused.json()["errorType"] == "BACKEND_EXCEPTION"
        assert client.get("/contact/f-1").status_code == 404  # GET is not matched
    entries = admin.get("/requests", params={"fault": str(fault)}).json()["requests"]
    assert [(e["method"], e["status"], e["faultEffect"]) for e in entries] == [
        ("POST", 503, "status")
    ]


def test_rate_limit_answers_429_with_retry_after(server: LiveServer, admin: httpx.Client) -> None:
    add(
        admin,
        {
            "match": {"path": "/contact/{externalId}"},
            "effect": {"type": "rateLimit", "retryAfter": 17},
        },
    )
    with api(server) as client:
        limited = client.get("/contact/1001")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "17"
    assert limited.json()["errorType"]


def test_latency_delays_the_real_answer(server: LiveServer, admin: httpx.Client) -> None:
    add(admin, {"match": {"path": "/contact/*"}, "effect": {"type": "latency", "ms": 400}})
    with api(server) as client:
        began = time.monotonic()
        answer = client.get("/contact/1001")
    assert answer.status_code == 200 and time.monotonic() - began >= 0.4


def test_a_hang_outlasts_the_clients_timeout(server: LiveServer, admin: httpx.Client) -> None:
    add(admin, {"effect": {"type": "hang", "seconds": 3}})
    with api(server, timeout=1) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/contact/1001")
    # The server still holds the call after the client gave up: wait until it is journaled, so
    # that it cannot land in the journal of the next test on this shared server (it did, on a
    # loaded machine).
    wait_for(
        lambda: admin.get("/requests/count", params={"fault": "any"}).json()["count"],
        "the hung call to reach the journal",
    )


def test_a_reset_is_a_transport_error_not_an_answer(
    server: LiveServer, admin: httpx.Client
) -> None:
    add(admin, {"effect": {"type": "reset"}})
    with api(server) as client, pytest.raises(httpx.TransportError):
        client.get("/contact/1001")
    entry = admin.get("/requests").json()["requests"][0]
    assert entry["status"] is None and entry["faultEffect"] == "reset"


def test_a_malformed_body_comes_with_status_200(server: LiveServer, admin: httpx.Client) -> None:
    add(admin, {"effect": {"type": "malformed"}})
    with api(server) as client:
        answer = client.get("/contact/1001")
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()


def test_a_lost_response_commits_the_change_then_drops_the_connection(
    server: LiveServer, admin: httpx.Client
) -> None:
    body = {
        "update": True,
        "contact": {"externalId": "lost-1", "properties": {"email": "l@example.com"}},
    }
    add(admin, {"match": {"method": "POST"}, "effect": {"type": "lostResponse"}, "first": 1})
    with api(server) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/contact", json=body)
        assert client.get("/contact/lost-1").json()["properties"]["email"] == "l@example.com"
        assert client.post("/contact", json=body).status_code == 204  # a retry is an upsert
    lost = admin.get("/requests", params={"method": "POST"}).json()["requests"]
    assert [e["faultEffect"] for e in lost] == [None, "lostResponse"]


def firing_pattern(server: LiveServer, admin: httpx.Client, rule: dict[str, Any]) -> list[int]:
    add(admin, rule)
    with api(server) as client:
        statuses = [client.get("/contact/properties/list").status_code for _ in range(16)]
    admin.delete("/faults")
    return statuses


def test_a_seeded_probability_replays_exactly(server: LiveServer, admin: httpx.Client) -> None:
    rule = {"effect": {"type": "status", "status": 500}, "probability": 0.5, "seed": 11}
    first = firing_pattern(server, admin, rule)
    assert firing_pattern(server, admin, rule) == first
    assert set(first) == {200, 500}
    other = firing_pattern(server, admin, {**rule, "seed": 12})
    assert other != first


def test_first_and_after_count_matches(server: LiveServer, admin: httpx.Client) -> None:
    failing = {"effect": {"type": "status", "status": 500}}
    assert firing_pattern(server, admin, {**failing, "first": 2})[:4] == [500, 500, 200, 200]
    assert firing_pattern(server, admin, {**failing, "after": 2})[:4] == [200, 200, 500, 500]


def test_a_maintenance_window_follows_the_simulated_clock(
    server: LiveServer, admin: httpx.Client
) -> None:
    add(
        admin,
        {
            "effect": {"type": "status", "status": 503},
            "window": {"from": "2030-01-01T02:00:00Z", "to": "2030-01-01T03:00:00Z"},
        },
    )
    with api(server) as client:
        admin.put("/clock", json={"frozenAt": "2030-01-01T01:59:00Z"})
        assert client.get("/contact/1001").status_code == 200
        admin.post("/clock/advance", json={"seconds": 120})
        assert client.get("/contact/1001").status_code == 503
        admin.post("/clock/advance", json={"seconds": 3600})
        assert client.get("/contact/1001").status_code == 200


def test_a_rule_matches_by_account_and_label(server: LiveServer, admin: httpx.Client) -> None:
    add(
        admin,
        {"match": {"account": "demo", "label": "crm"}, "effect": {"type": "status", "status": 500}},
    )
    with (
        api(server, "crm") as crm,
        api(server, "webshop") as shop,
        api(server, "shared-crm") as other,
    ):
        assert crm.get("/contact/properties/list").status_code == 500
        assert shop.get("/contact/properties/list").status_code == 200
        assert other.get("/contact/properties/list").status_code == 200
    assert admin.get("/faults").json()[0]["fired"] == 1


def test_the_journal_filters_pages_and_keeps_the_base_string_of_refusals(
    live_server: LiveServer,
) -> None:
    """On a server of its own: a call another test left hanging on the shared server was
    journaled seconds later, among this test's newest entries, on a loaded machine."""
    server = live_server
    with httpx.Client(base_url=server.base + "/__admin") as admin:
        journal_of_its_own(server, admin)


def journal_of_its_own(server: LiveServer, admin: httpx.Client) -> None:
    with api(server) as client:
        for index in range(3):
            client.get(f"/contact/100{index + 1}")
        client.post("/contact", json=CONTACT)
    with server.signed("demo-webshop", "wrong") as bad:
        bad.get("/contact/1001", params={"x": "1"})
    newest = admin.get("/requests", params={"pageSize": 2}).json()
    assert [e["status"] for e in newest["requests"]] == [401, 204]
    assert newest["paging"]["after"] == 2 and "next" in newest["paging"]
    refused = newest["requests"][0]
    assert refused["errorType"] == "NOT_AUTHORIZED" and refused["key"] == "demo-webshop"
    assert refused["baseString"].startswith("GET&http%3A%2F%2F127.0.0.1")
    assert refused["requestHeaders"]["Authorization"] == "<signed>"
    count = lambda **f: admin.get("/requests/count", params=f).json()["count"]  # noqa: E731
    assert count(method="GET", path="/contact/*") == 4
    assert count(status=200) == 3 and count(account="demo") == 4
    assert count(operation="insertContact") == 1
    admin.delete("/requests")
    assert count() == 0


def test_bad_fault_rules_are_refused_in_spotler_shape(admin: httpx.Client) -> None:
    for rule in (
        {"effect": {"type": "explode"}},
        {"effect": {"type": "status", "status": 200}},
        {"effect": {"type": "reset"}, "probability": 2},
        {"effect": {"type": "reset"}, "window": {"from": "soon", "to": "later"}},
    ):
        refused = admin.post("/faults", json=rule)
        assert refused.status_code == 400, rule
        assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert admin.delete("/faults/999").status_code == 404
