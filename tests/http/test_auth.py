"""How the API refuses unsigned or badly signed calls (the pipeline's authentication step)."""

from __future__ import annotations

import logging

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
