"""How the API refuses unsigned or badly signed calls (the pipeline's authentication step)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from tests.plugins.simulator import API, Sim


def test_an_unsigned_call_is_refused_with_401(sim: Sim) -> None:
    with sim.raw() as raw:
        response = raw.get(f"{API}/contact/1001")
    assert response.status_code == 401
    assert response.json()["errorType"] == "NOT_AUTHORIZED"
    assert "OAuth" in response.json()["message"]


def test_an_unknown_key_is_auth_not_found(sim: Sim) -> None:
    with sim.signed("who", "x") as api:
        response = api.get("/contact/1001")
    assert response.status_code == 401
    assert response.json()["errorType"] == "AUTH_NOT_FOUND"


@pytest.mark.in_process  # reads the app's log records
def test_a_wrong_secret_logs_the_servers_base_string_but_never_answers_it(
    sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="spotler_sim.http.auth")
    with sim.signed("demo-webshop", "not-the-secret") as api:
        response = api.get("/contact/1001", params={"x": "1"})
    assert response.status_code == 401
    assert response.json()["errorType"] == "NOT_AUTHORIZED"
    assert "GET&" not in response.text
    assert any("GET&http%3A%2F%2F127.0.0.1%3A8080" in r.getMessage() for r in caplog.records)


def test_a_replayed_request_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        first = api.get("/contact/1001")
    assert first.status_code == 200
    with sim.raw() as raw:
        replay = raw.get(
            str(first.request.url),
            headers={"Authorization": first.request.headers["Authorization"]},
        )
    assert replay.status_code == 401
    assert "nonce" in replay.json()["message"].lower()


def test_oauth_parameters_sent_twice_are_refused_with_401_not_500(sim: Sim) -> None:
    """Issue 17 item 2: the same signature in the Authorization header and in the query."""
    with sim.signed("demo-webshop", "demo-webshop-secret") as api:
        signed = api.build_request("GET", "/contact/1001")
        signed = next(api.auth.sync_auth_flow(signed))
    header = signed.headers["Authorization"]
    query = "&".join(part.strip() for part in header.removeprefix("OAuth ").split(","))
    with sim.raw() as raw:
        response = raw.get(
            f"{signed.url}?{query.replace(chr(34), '')}", headers={"Authorization": header}
        )
    assert response.status_code == 401
    assert response.json()["errorType"] == "NOT_AUTHORIZED"
    assert "twice" in response.json()["message"]


def _replay(sim: Sim, first: httpx.Response) -> httpx.Response:
    """The very request ``first`` answered, sent again (same URL, signature and body)."""
    with sim.raw() as raw:
        return raw.request(
            first.request.method,
            str(first.request.url),
            headers={
                "Authorization": first.request.headers["Authorization"],
                "Content-Type": "application/json",
                "Accept": first.request.headers["Accept"],
            },
            content=first.request.content,
        )


def test_a_replayed_call_that_was_refused_for_its_parameters_is_refused_as_replayed(
    sim: Sim,
) -> None:
    """The nonce is spent by a call that got as far as its signature, whatever came of it."""
    with sim.client(checked=False) as api:
        first = api.get("/contact/updates/list", params={"fromDate": "yesterday"})
    assert first.status_code == 400
    replay = _replay(sim, first)
    assert replay.status_code == 401
    assert "nonce" in replay.json()["message"].lower()


def test_a_replayed_insert_is_refused_as_replayed_and_stores_nothing_twice(sim: Sim) -> None:
    contact = {"contact": {"externalId": "replayed-1", "properties": {"email": "r@example.com"}}}
    with sim.client() as api:
        first = api.post("/contact", json=contact)
    assert first.status_code == 204
    replay = _replay(sim, first)
    assert replay.status_code == 401  # not the insert's refusal of a contact that exists
    assert "nonce" in replay.json()["message"].lower()
    assert len(sim.table("SELECT contact_id FROM contact_ids WHERE value = 'replayed-1'")) == 1


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_a_replayed_call_is_journaled_as_refused(sim: Sim, accept: str) -> None:
    with sim.client(checked=False) as api:
        first = api.get("/contact/1001", headers={"Accept": accept})
    assert _replay(sim, first).headers["Content-Type"].startswith(accept)
    with sim.admin() as admin:
        calls = admin.get("/requests", params={"path": "/contact/1001"}).json()
    assert [call["status"] for call in calls["requests"][:2]] == [401, 200]
    assert [call["errorType"] for call in calls["requests"][:2]] == ["NOT_AUTHORIZED", None]


@pytest.mark.in_process  # counts the app's own transactions
@pytest.mark.parametrize(
    ("call", "transactions"), [("GET /contact/1001", 1), ("POST /contact", 1), ("unsigned", 1)]
)
def test_a_nonce_is_spent_in_the_calls_first_write(
    sim: Sim, monkeypatch: pytest.MonkeyPatch, call: str, transactions: int
) -> None:
    """A call writes once: a read its nonce with its journal entry, a write its nonce with what
    it stores and the journal entry."""
    writes = 0
    begin = sim.state.db.begin  # every write transaction begins there

    def counted() -> Any:
        nonlocal writes
        writes += 1
        return begin()

    monkeypatch.setattr(sim.state.db, "begin", counted)
    contact = {"contact": {"externalId": "once-1", "properties": {"email": "o@example.com"}}}
    with sim.client() as api, sim.raw() as raw:
        if call == "GET /contact/1001":
            assert api.get("/contact/1001").status_code == 200
        elif call == "POST /contact":
            assert api.post("/contact", json=contact).status_code == 204
        else:
            assert raw.get(f"{API}/contact/1001").status_code == 401
    assert writes == transactions
