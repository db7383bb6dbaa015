"""The admin API (clock, accounts) and how the API refuses unsigned or badly signed calls."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from spotler_connector.auth import OAuth1Auth
from tests.plugins.simulator import API, HOST, Sim


def test_clock_freezes_offsets_advances_and_returns_to_real_time(sim: Sim) -> None:
    with sim.admin() as admin:
        frozen = admin.put("/clock", json={"frozenAt": "2030-01-01T00:00:00Z"}).json()
        assert frozen["mode"] == "frozen" and frozen["now"] == "2030-01-01T00:00:00.000Z"
        assert (
            admin.post("/clock/advance", json={"seconds": 90}).json()["now"]
            == "2030-01-01T00:01:30.000Z"
        )
        offset = admin.put("/clock", json={"offsetSeconds": -3600}).json()
        assert offset["mode"] == "offset"
        assert abs(offset["nowMs"] - (time.time() - 3600) * 1000) < 5000
        real = admin.put("/clock", json={"mode": "real"}).json()
        assert real["mode"] == "real" and abs(real["nowMs"] - time.time() * 1000) < 5000
        assert admin.get("/clock").json()["mode"] == "real"


def test_clock_refuses_bad_input_in_spotler_shape(sim: Sim) -> None:
    with sim.admin() as admin:
        for response in (
            admin.put("/clock", json={"frozenAt": "tomorrow"}),
            admin.put("/clock", json={}),
            admin.post("/clock/advance", json={"seconds": -5}),
        ):
            assert response.status_code == 400
            assert response.json()["errorType"] == "INVALID_PARAMS"


def test_accounts_list_shows_authentications_fields_rules_and_lag(sim: Sim) -> None:
    with sim.admin() as admin:
        accounts = {a["name"]: a for a in admin.get("/accounts").json()}
    demo = accounts["demo"]
    assert demo["idFields"] == ["externalCustomerId", "crmCustomerId"]
    assert demo["dedupRules"] == [["email"], ["externalId"]]
    assert {(a["label"], a["key"], a["idField"]) for a in demo["authentications"]} == {
        ("webshop", "demo-webshop", "externalCustomerId"),
        ("crm", "demo-crm", "crmCustomerId"),
    }
    assert {a["idField"] for a in accounts["demo-shared-id"]["authentications"]} == {
        "externalCustomerId"
    }


def test_account_patch_sets_a_seeded_random_lag_and_refuses_unknown_rule_fields(sim: Sim) -> None:
    with sim.admin() as admin:
        lag = {"mode": "random", "maxSeconds": 600, "seed": 7}
        assert (
            admin.patch("/accounts/demo", json={"visibilityLag": lag}).json()["visibilityLag"]
            == lag
        )
        bad = admin.patch("/accounts/demo", json={"dedupRules": [["shoeSize"]]})
        assert bad.status_code == 400 and "shoeSize" in bad.json()["message"]
        assert admin.patch("/accounts/nobody", json={"listShape": "array"}).status_code == 404


def test_admin_api_answers_only_on_loopback(sim: Sim) -> None:
    remote = httpx.WSGITransport(app=sim.transport.app, remote_addr="192.0.2.10")
    with httpx.Client(transport=remote, base_url=HOST) as outsider:
        response = outsider.get("/__admin/accounts")
    assert response.status_code == 403
    assert "loopback" in response.json()["message"]


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


def test_an_account_created_through_the_admin_api_is_usable_and_isolated(sim: Sim) -> None:
    definition = {
        "name": "made-by-test",
        "idFields": ["externalCustomerId"],
        "authentications": [
            {
                "label": "shop",
                "key": "made-key",
                "secret": "made-secret",
                "idField": "externalCustomerId",
            }
        ],
        "properties": [{"name": "email", "type": "email", "description": "E-mail"}],
        "contacts": [
            {"ids": {"externalCustomerId": "m-1"}, "properties": {"email": "m@example.com"}}
        ],
    }
    with sim.admin() as admin:
        created = admin.post("/accounts", json=definition)
        assert created.status_code == 201 and created.json()["contactCount"] == 1
        again = admin.post("/accounts", json=definition)
        assert again.status_code == 400 and "exists already" in again.json()["message"]
        stolen_key = {**definition, "name": "other"}
        refused = admin.post("/accounts", json=stolen_key)
        assert refused.status_code == 400 and "made-key" in refused.json()["message"]
        seeded = admin.post(
            "/accounts/made-by-test/contacts",
            json=[{"ids": {"externalCustomerId": "m-2"}, "properties": {"email": "n@example.com"}}],
        )
        assert seeded.status_code == 204
    with sim.signed("made-key", "made-secret") as api:
        assert api.get("/contact/m-2").json()["properties"]["email"] == "n@example.com"
        assert api.get("/contact/1001").status_code == 404  # the demo account's contact
    assert "other" not in {row[0] for row in sim.table("SELECT name FROM accounts")}


def test_with_an_admin_token_only_that_token_opens_the_admin_api(sim: Sim) -> None:
    from spotler_sim.app import create_app
    from spotler_sim.config import Config

    app = create_app(Config(db_path=sim.state.db.path, admin_token="s3cret"), sim.state)
    remote = httpx.WSGITransport(app=app, remote_addr="192.0.2.10")
    local = httpx.WSGITransport(app=app)
    with httpx.Client(transport=remote, base_url=HOST + "/__admin") as outsider:
        assert outsider.get("/accounts", headers={"X-Admin-Token": "s3cret"}).status_code == 200
        assert outsider.get("/accounts", headers={"X-Admin-Token": "guess"}).status_code == 401
    with httpx.Client(transport=local, base_url=HOST + "/__admin") as insider:
        refused = insider.get("/accounts")
        assert refused.status_code == 401 and "X-Admin-Token" in refused.json()["message"]
    with httpx.Client(
        transport=local, base_url=HOST, auth=OAuth1Auth("demo-webshop", "demo-webshop-secret")
    ) as spotler_key:
        assert spotler_key.get("/__admin/accounts").status_code == 401
