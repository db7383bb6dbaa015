"""The campaign and automation operations over HTTP, signed like a real client, every answer
checked against the contract: the demo's seeded campaigns, triggers, mailings and automation,
subscriptions recorded by triggers and shown in the contact's campaign-mailing history."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.simulator import Sim

CART = "MjAyNi1jYXJ0"  # active, two mailings (at once and a day later)
CART_TRIGGER = "dHJpZ2dlci1jYXJ0"
SPRING = "MjAyNi1zcHJpbmc"  # not active
SPRING_TRIGGER = "dHJpZ2dlci1zcHJpbmc"
WELCOME_CODE = "bc0a8795-4f1e-4a6b-8d2c-7e3f9a5b1c20"
WELCOME_ID = "5b0e6f2c-3d1a-4e8b-9c47-2f6d8a1b3e90"
DAY = 24 * 3600
SEEDED = 2  # the demo's spring-sale passages are campaignSubscriptionIds 1 and 2


def campaign(sim: Sim, encrypted_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        c for c in sim.snapshot()["campaigns"] if c["encryptedId"] == encrypted_id
    )
    return found


def history(sim: Sim, external_id: str = "1001", who: str = "webshop") -> list[dict[str, Any]]:
    with sim.client(who) as api:
        response = api.get(f"/contact/{external_id}/campaign-mailings")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["campaignMailingHistories"]
    return rows


def trigger(api: Any, external_id: str = "1001", **body: Any) -> Any:
    return api.post(
        f"/campaign/trigger/{CART_TRIGGER}", json={"externalContactId": external_id, **body}
    )


# ---- list and mailings -----------------------------------------------------------------------


def test_the_list_shows_every_campaign_with_its_triggers(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get("/campaign/list")
    assert response.status_code == 200
    assert response.json() == [
        {
            "encryptedId": CART,
            "name": "Abandoned cart",
            "active": True,
            "triggers": [{"encryptedId": CART_TRIGGER, "name": "Webshop: cart left behind"}],
        },
        {
            "encryptedId": SPRING,
            "name": "Spring sale 2026",
            "active": False,
            "triggers": [{"encryptedId": SPRING_TRIGGER, "name": "Spring sale sign-up"}],
        },
    ]


def test_another_account_has_no_campaigns_of_demo(sim: Sim) -> None:
    with sim.client("shared-webshop") as api:
        assert api.get("/campaign/list").json() == []
        assert api.get(f"/campaign/{CART}/mailing").status_code == 404
        assert trigger(api).status_code == 404


def test_the_mailings_of_a_campaign_in_order(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get(f"/campaign/{CART}/mailing")
    assert response.status_code == 200
    assert response.json() == [
        {"encryptedId": "bWFpbC1jYXJ0LTE", "name": "Your cart is waiting", "type": "EMAIL"},
        {
            "encryptedId": "bWFpbC1jYXJ0LTI",
            "name": "Last chance: 10% off your cart",
            "type": "EMAIL",
        },
    ]


def test_the_mailings_of_an_unknown_campaign_are_a_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get(f"/campaign/{CART_TRIGGER}/mailing")  # a trigger's id, not a campaign's
    assert response.status_code == 404
    assert response.json()["errorType"] == "CAMPAIGN_NOTFOUND"
    assert "GET /campaign/list" in response.json()["message"]


# ---- trigger ---------------------------------------------------------------------------------


def test_a_trigger_records_a_subscription_with_the_campaign_fields(sim: Sim) -> None:
    fields = [
        {"name": "linktocart", "type": "URL", "value": "https://shop.example/cart/77"},
        {"name": "firstProduct", "value": "Rain jacket"},
        {"name": "productlist", "type": "PRODUCTLIST", "values": ["P-100", "P-101"]},
    ]
    with sim.client() as api:
        response = trigger(api, campaignFields=fields)
        contact = api.get("/contact/1001").json()
    assert response.status_code == 204 and response.content == b""
    (kept,) = campaign(sim, CART)["subscriptions"]
    assert kept["contactEncryptedId"] == contact["encryptedId"]
    assert kept["trigger"] == CART_TRIGGER and "stopped" not in kept
    assert kept["campaignFields"] == [fields[0], {**fields[1], "type": "STRING"}, fields[2]]


def test_the_contact_is_named_in_the_callers_id_field(sim: Sim) -> None:
    with sim.client("crm") as crm:
        assert trigger(crm, "CRM-501").status_code == 204
        refused = trigger(crm, "1002")  # a webshop id, not a CRM one
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "CONTACT_NOT_FOUND"
    assert "crmCustomerId" in refused.json()["message"]
    assert [row["campaignMailing"]["name"] for row in history(sim)] == ["Your cart is waiting"]


def test_an_unknown_trigger_is_a_404_and_records_nothing(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(f"/campaign/trigger/{CART}", json={"externalContactId": "1001"})
    assert response.status_code == 404
    assert response.json()["errorType"] == "TRIGGER_NOTFOUND"
    assert "triggers[].encryptedId" in response.json()["message"]
    assert campaign(sim, CART)["subscriptions"] == []


def test_an_unknown_contact_is_a_400(sim: Sim) -> None:
    with sim.client() as api:
        response = trigger(api, "nobody")
    assert response.status_code == 400
    assert response.json()["errorType"] == "CONTACT_NOT_FOUND"
    assert "POST /contact" in response.json()["message"]


def test_an_unknown_product_in_a_product_list_is_a_400(sim: Sim) -> None:
    field = {"name": "productlist", "type": "PRODUCTLIST", "values": ["P-100", "P-404"]}
    with sim.client() as api:
        response = trigger(api, campaignFields=[field])
    assert response.status_code == 400
    assert response.json()["errorType"] == "PRODUCT_NOTFOUND"
    assert "'P-404'" in response.json()["message"] and "'P-100'" not in response.json()["message"]
    assert campaign(sim, CART)["subscriptions"] == []


def test_an_inactive_campaign_refuses_new_contacts(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            f"/campaign/trigger/{SPRING_TRIGGER}", json={"externalContactId": "1001"}
        )
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_STATE"
    assert "campaign inactive" in response.json()["message"]
    assert len(campaign(sim, SPRING)["subscriptions"]) == SEEDED


def test_a_contact_already_active_is_refused_until_its_last_mailing_is_sent(sim: Sim) -> None:
    with sim.client() as api:
        assert trigger(api).status_code == 204
        again = trigger(api)
        assert again.status_code == 400 and again.json()["errorType"] == "INVALID_STATE"
        assert "already active" in again.json()["message"]
        assert "/stop" in again.json()["message"]
        sim.advance(DAY)
        assert trigger(api).status_code == 204  # the first passage is over
    numbers = [s["campaignSubscriptionId"] for s in campaign(sim, CART)["subscriptions"]]
    assert numbers == [SEEDED + 1, SEEDED + 2]


def test_a_campaign_without_reentry_refuses_a_contact_that_went_through(sim: Sim) -> None:
    with sim.admin() as admin:
        fixture = sim.snapshot()
        for c in fixture["campaigns"]:
            c["allowReentry"] = False
        assert admin.post("/snapshot", json={"accounts": [fixture]}).status_code in (200, 204)
    with sim.client() as api:
        assert trigger(api).status_code == 204
        sim.advance(DAY)
        response = trigger(api)
    assert response.status_code == 400
    assert "already in campaign" in response.json()["message"]


def test_a_campaign_without_mailings_refuses_contacts(sim: Sim) -> None:
    with sim.admin() as admin:
        fixture = sim.snapshot()
        fixture["campaigns"][0]["mailings"] = []
        assert admin.post("/snapshot", json={"accounts": [fixture]}).status_code in (200, 204)
    with sim.client() as api:
        response = trigger(api)
    assert response.status_code == 400
    assert "missing message" in response.json()["message"]


def test_a_body_without_the_contact_is_refused_by_the_contract(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(f"/campaign/trigger/{CART_TRIGGER}", json={"campaignFields": []})
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_PARAMS"
    assert "externalContactId" in response.json()["message"]


# ---- stop ------------------------------------------------------------------------------------


def test_stop_ends_the_contacts_passage_so_later_mailings_are_never_sent(sim: Sim) -> None:
    with sim.client() as api:
        assert trigger(api).status_code == 204
        sim.advance(3600)
        response = api.post(f"/campaign/{CART}/stop", json={"externalContactId": "1001"})
        assert response.status_code == 204 and response.content == b""
        sim.advance(2 * DAY)
        again = api.post(f"/campaign/{CART}/stop", json={"externalContactId": "1001"})
        assert trigger(api).status_code == 204  # a stopped passage is over: the contact may return
    assert again.status_code == 400 and "already finished" in again.json()["message"]
    (first, second) = campaign(sim, CART)["subscriptions"]
    assert 3600_000 <= first["stopped"] - first["subscribed"] < 3660_000  # the clock runs
    assert "stopped" not in second
    sent = [(r["campaignSubscriptionId"], r["campaignMailing"]["name"]) for r in history(sim)]
    assert sent == [(SEEDED + 1, "Your cart is waiting"), (SEEDED + 2, "Your cart is waiting")]


def test_stop_of_a_contact_never_triggered_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(f"/campaign/{CART}/stop", json={"externalContactId": "1002"})
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_STATE"
    assert "not triggered" in response.json()["message"]


def test_stop_of_an_unknown_contact_or_campaign(sim: Sim) -> None:
    with sim.client() as api:
        contact = api.post(f"/campaign/{CART}/stop", json={"externalContactId": "nobody"})
        unknown = api.post(f"/campaign/{CART_TRIGGER}/stop", json={"externalContactId": "1001"})
    assert contact.status_code == 400 and contact.json()["errorType"] == "CONTACT_NOT_FOUND"
    assert unknown.status_code == 404 and unknown.json()["errorType"] == "CAMPAIGN_NOTFOUND"


# ---- the contact's campaign-mailing history --------------------------------------------------


def test_history_shows_each_mailing_once_it_is_sent(sim: Sim) -> None:
    with sim.client() as api:
        assert trigger(api).status_code == 204
    first = history(sim)
    assert [r["campaignMailing"]["encryptedId"] for r in first] == ["bWFpbC1jYXJ0LTE"]
    assert first[0]["opened"] is False and first[0]["clicked"] is False
    assert first[0]["campaignSubscriptionId"] == SEEDED + 1
    sim.advance(DAY)
    later = history(sim)
    assert [r["campaignMailing"]["name"] for r in later] == [
        "Your cart is waiting",
        "Last chance: 10% off your cart",
    ]
    assert {r["campaignSubscriptionId"] for r in later} == {SEEDED + 1}
    assert history(sim, "1002") == []


def test_history_pages_by_fifty(sim: Sim) -> None:
    with sim.client() as api:
        for _ in range(30):  # 30 passages of two mailings each: 60 rows
            assert trigger(api).status_code == 204
            sim.advance(DAY)
        first = api.get("/contact/1001/campaign-mailings").json()
        second = api.get("/contact/1001/campaign-mailings", params={"after": 50}).json()
    assert len(first["campaignMailingHistories"]) == 50 and first["paging"]["after"] == 50
    assert "after=50" in first["paging"]["next"]
    assert len(second["campaignMailingHistories"]) == 10 and "next" not in second["paging"]
    numbers = [r["campaignSubscriptionId"] for r in first["campaignMailingHistories"]]
    numbers += [r["campaignSubscriptionId"] for r in second["campaignMailingHistories"]]
    assert numbers == sorted(SEEDED + n for n in range(1, 31) for _ in range(2))


def test_history_of_an_unknown_contact_is_a_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get("/contact/nobody/campaign-mailings")
    assert response.status_code == 404 and response.json()["errorType"] == "CONTACT_NOT_FOUND"


# ---- automation triggers ---------------------------------------------------------------------


def test_an_automation_trigger_records_an_entry(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "1001"}
        )
        upper = api.post(
            f"/automation/trigger/{WELCOME_CODE.upper()}", json={"externalContactId": "1002"}
        )
    assert response.status_code == 200
    assert response.json() == {
        "result": "OK",
        "automationResults": [{"automationId": WELCOME_ID, "result": "OK"}],
    }
    assert upper.status_code == 200
    (automation,) = sim.snapshot()["automations"]
    assert len(automation["entries"]) == 2


def test_an_unknown_trigger_code_is_a_404_both_models_can_read(sim: Sim) -> None:
    code = "3f2b8c1e-9d4a-4c1b-8e2f-1a2b3c4d5e6f"
    with sim.client() as api:
        response = api.post(f"/automation/trigger/{code}", json={"externalContactId": "1001"})
    assert response.status_code == 404
    assert response.json()["result"] == "TRIGGER_NOTFOUND"
    assert response.json()["errorType"] == "TRIGGER_NOTFOUND"
    assert sim.snapshot()["automations"][0]["entries"] == []


def test_an_unknown_contact_of_an_automation_trigger_is_a_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "nobody"}
        )
    assert response.status_code == 404
    assert response.json()["result"] == "CONTACT_NOTFOUND"
    assert response.json()["errorType"] == "CONTACT_NOT_FOUND"


def test_a_trigger_code_that_is_no_uuid_is_refused_by_the_contract(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/automation/trigger/welcome", json={"externalContactId": "1001"})
    assert response.status_code == 400 and response.json()["errorType"] == "INVALID_PARAMS"


def test_no_automation_started_is_a_417_with_each_reason(sim: Sim) -> None:
    paused = "0d9e3c57-8b2a-4f61-a7c4-5e1f2b3a4c5d"
    with sim.admin() as admin:
        fixture = sim.snapshot()
        fixture["automations"][0]["participationLimit"] = 1
        fixture["automations"].append(
            {"id": paused, "name": "Paused", "triggerCode": WELCOME_CODE, "active": False}
        )
        assert admin.post("/snapshot", json={"accounts": [fixture]}).status_code in (200, 204)
    with sim.client() as api:
        first = api.post(f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "1001"})
        second = api.post(f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "1001"})
    assert first.status_code == 200
    assert first.json()["automationResults"] == [
        {"automationId": WELCOME_ID, "result": "OK"},
        {"automationId": paused, "result": "AUTOMATION_INACTIVE"},
    ]
    assert second.status_code == 417
    assert second.json()["result"] == "NOT_TRIGGERED"
    assert second.json()["automationResults"] == [
        {"automationId": WELCOME_ID, "result": "PARTICIPATION_LIMIT_REACHED"},
        {"automationId": paused, "result": "AUTOMATION_INACTIVE"},
    ]


# ---- snapshots and reset ---------------------------------------------------------------------


def test_a_snapshot_round_trips_campaigns_subscriptions_and_automations(sim: Sim) -> None:
    with sim.client() as api:
        assert trigger(api, campaignFields=[{"name": "x", "value": "1"}]).status_code == 204
        assert (
            api.post(f"/campaign/{CART}/stop", json={"externalContactId": "1001"}).status_code
            == 204
        )
        sim.advance(DAY)
        assert trigger(api, "1002").status_code == 204
        assert (
            api.post(f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "1001"})
        ).status_code == 200
    before = sim.snapshot()
    assert len(campaign(sim, CART)["subscriptions"]) == 2
    history_before = history(sim, "1002")
    with sim.admin() as admin:
        assert admin.post("/snapshot", json={"accounts": [before]}).status_code in (200, 204)
    assert sim.snapshot() == before
    assert history(sim, "1002") == history_before
    with sim.client() as api:  # numbering goes on after the restored subscriptions
        sim.advance(DAY)
        assert trigger(api).status_code == 204
    numbers = [s["campaignSubscriptionId"] for s in campaign(sim, CART)["subscriptions"]]
    assert numbers == [SEEDED + 1, SEEDED + 2, SEEDED + 3]


def test_reset_removes_campaigns_and_automations(sim: Sim) -> None:
    with sim.client() as api:
        assert trigger(api).status_code == 204
        api.post(f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "1001"})
    with sim.admin() as admin:
        assert admin.post("/accounts/demo/reset").status_code in (200, 204)
    for table in (
        "campaigns",
        "campaign_triggers",
        "campaign_mailings",
        "campaign_subscriptions",
        "automations",
        "automation_entries",
    ):
        assert sim.table(
            f"SELECT count(*) FROM {table} WHERE account_id = "
            "(SELECT id FROM accounts WHERE name = 'demo')"
        ) == [(0,)], table
    with sim.client() as api:
        assert api.get("/campaign/list").json() == []
        response = api.post(f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "1"})
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["webshop", "crm"])
def test_every_operation_works_right_after_the_demo_loads(sim: Sim, who: str) -> None:
    contact = {"webshop": "1001", "crm": "CRM-501"}[who]
    with sim.client(who) as api:
        listed = api.get("/campaign/list").json()
        active = next(c for c in listed if c["active"])
        assert api.get(f"/campaign/{active['encryptedId']}/mailing").status_code == 200
        trigger_id = active["triggers"][0]["encryptedId"]
        body = {"externalContactId": contact}
        assert api.post(f"/campaign/trigger/{trigger_id}", json=body).status_code == 204
        assert api.post(f"/campaign/{active['encryptedId']}/stop", json=body).status_code == 204
        assert api.post(f"/automation/trigger/{WELCOME_CODE}", json=body).status_code == 200
    assert len(history(sim, contact, who)) == 1
