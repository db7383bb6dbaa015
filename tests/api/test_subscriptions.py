"""POST /subscription/subscribe over HTTP: a bare contact, upserted, with or without an externalId."""

from __future__ import annotations

from tests.plugins.simulator import Sim


def test_a_new_subscriber_with_an_id_is_created_and_reads_back(sim: Sim) -> None:
    with sim.client() as api:
        sent = {
            "externalId": "3001",
            "properties": {"email": "new@example.com", "firstName": "Nia"},
        }
        answer = api.post("/subscription/subscribe", json=sent)
        assert answer.status_code == 204 and answer.content == b""
        stored = api.get("/contact/3001").json()
    assert stored["properties"]["email"] == "new@example.com"
    assert stored["properties"]["firstName"] == "Nia"


def test_subscribing_an_existing_contact_updates_it_as_an_upsert(sim: Sim) -> None:
    with sim.client() as api:
        before = api.get("/contact/1001").json()
        sent = {"externalId": "1001", "properties": {"firstName": "Annie"}}
        assert api.post("/subscription/subscribe", json=sent).status_code == 204
        after = api.get("/contact/1001").json()
    assert after["properties"]["firstName"] == "Annie"
    assert after["properties"]["email"] == before["properties"]["email"]  # not purged
    assert after["encryptedId"] == before["encryptedId"]


def test_the_whole_contact_read_back_can_be_posted_as_it_is(sim: Sim) -> None:
    """What some clients do: GET the contact, change a permission, post it back."""
    with sim.client() as api:
        contact = api.get("/contact/1001").json()
        contact["properties"]["permissions"] = [{"bit": 1, "enabled": False}]
        assert api.post("/subscription/subscribe", json=contact).status_code == 204
        again = api.get("/contact/1001").json()
    bits = {p["bit"]: p["enabled"] for p in again["properties"]["permissions"]}
    assert bits[1] is False


def test_without_an_id_the_email_address_finds_the_contact(sim: Sim) -> None:
    with sim.client() as api:
        email = api.get("/contact/1001").json()["properties"]["email"]
        sent = {"properties": {"email": email.upper(), "lastName": "Vries-Jansen"}}
        assert api.post("/subscription/subscribe", json=sent).status_code == 204
        assert api.get("/contact/1001").json()["properties"]["lastName"] == "Vries-Jansen"
        fresh = {"properties": {"email": "nobody-yet@example.com"}}
        assert api.post("/subscription/subscribe", json=fresh).status_code == 204
        found = api.get(
            "/contact/search", params={"MPSearchQuery": "email=nobody-yet@example.com"}
        ).json()
    [contact] = found["contacts"]
    assert "externalId" not in contact  # made without a value in the caller's ID field


def test_refusals_name_what_to_send(sim: Sim) -> None:
    with sim.client() as api:
        nobody = api.post("/subscription/subscribe", json={"properties": {"firstName": "X"}})
        assert nobody.status_code == 400 and nobody.json()["errorType"] == "INVALID_PARAMS"
        assert "externalId or an email" in nobody.json()["message"]
        bad_mail = api.post(
            "/subscription/subscribe",
            json={"externalId": "3002", "properties": {"email": "not-an-address"}},
        )
        assert bad_mail.status_code == 400
        assert bad_mail.json()["errorType"] == "INVALID_PROPERTY"
        wrapped = api.post("/subscription/subscribe", json={"contact": {"externalId": "3003"}})
        assert wrapped.status_code == 400 and "contact" in wrapped.json()["message"]
        assert api.get("/contact/3002").status_code == 404
        assert api.get("/contact/3003").status_code == 404
