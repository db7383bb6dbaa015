"""Managing accounts, authentications and snapshots through the admin API."""

from __future__ import annotations

import httpx

from tests.plugins.simulator import Sim


def signed(sim: Sim, key: str, secret: str) -> httpx.Client:
    return sim.signed(key, secret)


def test_keys_and_secrets_are_generated_added_rotated_and_removed(sim: Sim) -> None:
    with sim.admin() as admin:
        created = admin.post(
            "/accounts", json={"name": "gen", "authentications": [{"label": "shop"}]}
        ).json()
        shop = created["authentications"][0]
        assert shop["key"].startswith("gen-shop-") and len(shop["secret"]) >= 24
        erp = admin.post("/accounts/gen/authentications", json={"label": "erp"})
        assert erp.status_code == 201
        assert admin.post("/accounts/gen/authentications", json={"label": "erp"}).status_code == 400
        with signed(sim, shop["key"], shop["secret"]) as api:
            assert api.get("/contact/properties/list").status_code == 200
            rotated = admin.post("/accounts/gen/authentications/shop/rotate").json()
            assert rotated["secret"] != shop["secret"] and rotated["key"] == shop["key"]
            assert api.get("/contact/properties/list").status_code == 401  # the old secret
        with signed(sim, rotated["key"], rotated["secret"]) as api:
            assert api.get("/contact/properties/list").status_code == 200
            assert admin.delete("/accounts/gen/authentications/shop").status_code == 204
            assert api.get("/contact/properties/list").json()["errorType"] == "AUTH_NOT_FOUND"
        assert admin.delete("/accounts/gen/authentications/shop").status_code == 404


def test_reset_empties_an_account_and_keeps_its_keys(sim: Sim) -> None:
    with sim.admin() as admin, sim.client() as api:
        assert api.get("/contact/1001").status_code == 200
        assert admin.post("/accounts/demo/reset").status_code == 204
        assert api.get("/contact/1001").status_code == 404
        assert admin.get("/accounts/demo").json()["contactCount"] == 0
    with sim.client("shared-webshop") as other:
        assert other.get("/contact/42").status_code == 200  # other accounts keep theirs


def test_delete_removes_the_account_and_its_keys(sim: Sim) -> None:
    with sim.admin() as admin, sim.client("shared-crm") as api:
        assert admin.delete("/accounts/demo-shared-id").status_code == 204
        assert api.get("/contact/42").json()["errorType"] == "AUTH_NOT_FOUND"
        assert admin.delete("/accounts/demo-shared-id").status_code == 404
    assert sim.table("SELECT count(*) FROM contact_ids WHERE value = '42'") == [(0,)]


def test_a_snapshot_round_trips_exactly(sim: Sim) -> None:
    with sim.client() as api:
        api.post(
            "/contact",
            json={
                "update": True,
                "contact": {
                    "externalId": "snap-1",
                    "properties": {
                        "email": "s@example.com",
                        "permissions": [{"bit": 2, "enabled": True}],
                    },
                    "channels": [{"name": "SMS", "value": True}],
                },
            },
        )
        api.put("/contact/anonymize/1002")
        before_read = api.get("/contact/snap-1").json()
    with sim.admin() as admin:
        rates = {"hardBounce": 0.2, "softBounce": 0.2, "open": 0.8, "click": 0.4}
        send = {"account": "demo", "all": True, "seed": 3, "rates": rates}
        assert admin.post("/mailings/bWFpbC13aW50ZXItc2FsZQ/send", json=send).status_code == 200
        first = admin.get("/snapshot", params={"account": "demo"}).json()
        assert admin.delete("/accounts/demo").status_code == 204
        assert admin.post("/snapshot", json=first).status_code == 204
        second = admin.get("/snapshot", params={"account": "demo"}).json()
        assert second == first
        assert admin.post("/snapshot", json=first).status_code == 204  # replaces, same again
        assert admin.get("/snapshot", params={"account": "demo"}).json() == first
    with sim.client() as api:
        assert api.get("/contact/snap-1").json() == before_read
        sent = api.get("/mailing/bWFpbC13aW50ZXItc2FsZQ/recipients").json()["recipients"]
        assert len(sent) == 5  # every contact an e-mail reaches: not the anonymized 1002
        anonymized = api.get("/contact/1002").json()["properties"]
    assert anonymized and all(isinstance(v, list) for v in anonymized.values())  # set options only


def test_a_bad_snapshot_changes_nothing(sim: Sim) -> None:
    with sim.admin() as admin:
        before = admin.get("/snapshot").json()
        broken = {"accounts": [{**before["accounts"][0], "contacts": [{"ids": {}}]}]}
        refused = admin.post("/snapshot", json=broken)
        assert refused.status_code == 400 and "contacts" in refused.json()["message"]
        assert admin.get("/snapshot").json() == before


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
