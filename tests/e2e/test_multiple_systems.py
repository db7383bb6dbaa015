"""The vendor's warning about several source systems, reproduced and avoided.

On ``demo-shared-id`` both systems' keys are linked to ``externalCustomerId``: the three failures
the vendor names happen. On ``demo`` each key has its own ID field: none of them does, and both
systems reach the same person by their own IDs.
"""

from __future__ import annotations

from tests.plugins.simulator import Sim


def upsert(api, external_id: str, **properties: object) -> None:  # type: ignore[no-untyped-def]
    body = {
        "update": True,
        "purge": False,
        "contact": {"externalId": external_id, "properties": properties},
    }
    assert api.post("/contact", json=body).status_code == 204


def test_shared_field_an_email_match_overwrites_the_other_systems_id(sim: Sim) -> None:
    with sim.client("shared-webshop") as webshop, sim.client("shared-crm") as crm:
        upsert(webshop, "W-77", email="kim@example.com", firstName="Kim")
        upsert(crm, "C-9", email="kim@example.com")
        # Failure 1: the webshop's ID in the shared field is gone, replaced by the CRM's.
        assert crm.get("/contact/C-9").json()["properties"]["firstName"] == "Kim"
        # Failure 3: the webshop can no longer find, or update, its own contact.
        assert webshop.get("/contact/W-77").status_code == 404
        update = webshop.put(
            "/contact/W-77",
            json={"contact": {"externalId": "W-77", "properties": {"city": "Delft"}}},
        )
        assert update.status_code == 404


def test_shared_field_equal_ids_from_two_systems_hit_one_person(sim: Sim) -> None:
    with sim.client("shared-webshop") as webshop, sim.client("shared-crm") as crm:
        # The fixture's webshop customer 42 is Pieter; the CRM's own customer 42 is someone else.
        upsert(crm, "42", email="quinty@example.com", firstName="Quinty")
        # Failure 2: Pieter's contact was switched to Quinty; no second contact was made.
        seen_by_webshop = webshop.get("/contact/42").json()["properties"]
    assert seen_by_webshop["firstName"] == "Quinty"
    assert seen_by_webshop["email"] == "quinty@example.com"
    assert sim.table("SELECT count(*) FROM contacts WHERE email = 'pieter@example.com'") == [(0,)]


def test_own_fields_an_email_match_links_both_ids_to_one_person(sim: Sim) -> None:
    with sim.client("webshop") as webshop, sim.client("crm") as crm:
        upsert(webshop, "W-77", email="kim@example.com", firstName="Kim")
        upsert(crm, "C-9", email="kim@example.com", city="Leiden")
        by_webshop = webshop.get("/contact/W-77").json()
        by_crm = crm.get("/contact/C-9").json()
    assert by_webshop["encryptedId"] == by_crm["encryptedId"]
    assert by_webshop["externalId"] == "W-77" and by_crm["externalId"] == "C-9"
    assert by_webshop["properties"]["city"] == "Leiden"


def test_own_fields_equal_ids_from_two_systems_stay_two_people(sim: Sim) -> None:
    with sim.client("webshop") as webshop, sim.client("crm") as crm:
        upsert(crm, "1002", email="someone.else@example.com", firstName="Other")
        assert webshop.get("/contact/1002").json()["properties"]["firstName"] == "Bram"
        assert crm.get("/contact/1002").json()["properties"]["firstName"] == "Other"


def test_own_fields_each_system_keeps_updating_its_contact(sim: Sim) -> None:
    with sim.client("webshop") as webshop, sim.client("crm") as crm:
        upsert(webshop, "W-77", email="kim@example.com")
        upsert(crm, "C-9", email="kim@example.com")
        change = {"contact": {"externalId": "W-77", "properties": {"city": "Delft"}}}
        assert webshop.put("/contact/W-77", json=change).status_code == 204
        assert crm.get("/contact/C-9").json()["properties"]["city"] == "Delft"


def test_a_contact_without_the_callers_id_shows_a_null_external_id_in_lists(sim: Sim) -> None:
    # Dirk exists only in the CRM; the webshop's updates list still shows him, unlinked.
    with sim.client("webshop") as webshop:
        page = webshop.get(
            "/contact/updates/list", params={"fromDate": "2000-01-01", "toDate": "2100-01-01"}
        ).json()
    dirk = next(c for c in page["contacts"] if c["properties"].get("firstName") == "Dirk")
    assert dirk["externalId"] is None
