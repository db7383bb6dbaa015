"""The contact operations over HTTP, signed like a real client, every answer checked against the contract."""

from __future__ import annotations

import pytest

from tests.plugins.simulator import Sim


def contact(external_id: str, **properties: object) -> dict[str, object]:
    return {"externalId": external_id, "properties": properties}


def test_insert_answers_204_with_an_empty_body_and_reads_back(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            "/contact", json={"contact": contact("2001", email="x@example.com", firstName="Xander")}
        )
        assert response.status_code == 204
        assert response.content == b""
        assert "content-type" not in response.headers
        got = api.get("/contact/2001")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json"
    body = got.json()
    assert body["externalId"] == "2001"
    assert body["properties"]["email"] == "x@example.com"
    assert isinstance(body["created"], int) and isinstance(body["lastChanged"], int)
    assert body["created"] > 1_600_000_000_000  # epoch milliseconds, not seconds


def test_trailing_slash_and_unknown_query_parameters_are_tolerated(sim: Sim) -> None:
    with sim.client() as api:
        assert (
            api.post(
                "/contact/?rest=1", json={"contact": contact("2002", email="y@example.com")}
            ).status_code
            == 204
        )
        assert api.get("/contact/2002", params={"rest": "1"}).status_code == 200


def test_the_older_base_path_serves_the_same_contacts(sim: Sim) -> None:
    with sim.client(prefix="/integrationservice") as old, sim.client() as new:
        assert (
            old.post(
                "/contact", json={"contact": contact("2003", email="z@example.com")}
            ).status_code
            == 204
        )
        assert new.get("/contact/2003").json()["properties"]["email"] == "z@example.com"


def test_insert_without_update_refuses_an_existing_contact(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/contact", json={"contact": contact("1001", firstName="Other")})
        assert response.status_code == 400
        assert response.json()["errorType"] == "CONTACT_ALREADY_EXISTS"
        assert api.get("/contact/1001").json()["properties"]["firstName"] == "Anna"


def test_insert_with_update_true_is_an_upsert(sim: Sim) -> None:
    with sim.client() as api:
        for name in ("First", "Second"):
            body = {
                "update": True,
                "contact": contact("2004", email="u@example.com", firstName=name),
            }
            assert api.post("/contact", json=body).status_code == 204
        assert api.get("/contact/2004").json()["properties"]["firstName"] == "Second"
    assert sim.table("SELECT count(*) FROM contacts WHERE email = 'u@example.com'") == [(1,)]


def test_purge_false_merges_and_purge_true_clears_what_was_not_sent(sim: Sim) -> None:
    with sim.client() as api:
        api.put("/contact/1002", json={"purge": False, "contact": contact("1002", city="Haarlem")})
        merged = api.get("/contact/1002").json()["properties"]
        assert merged["city"] == "Haarlem" and merged["lastName"] == "Jansen"
        api.put(
            "/contact/1002",
            json={"purge": True, "contact": contact("1002", email="bram.jansen@example.com")},
        )
        purged = api.get("/contact/1002").json()["properties"]
    assert "lastName" not in purged and "city" not in purged
    assert purged["email"] == "bram.jansen@example.com"


def test_set_properties_read_back_every_option_and_merge_by_bit(sim: Sim) -> None:
    with sim.client() as api:
        before = {e["bit"]: e for e in api.get("/contact/1001").json()["properties"]["permissions"]}
        assert {b: e["enabled"] for b, e in before.items()} == {1: True, 2: True, 4: False}
        assert before[1]["description"] == "Nieuwsbrief"
        body = {
            "update": True,
            "contact": contact(
                "1001", permissions=[{"bit": 2, "enabled": False}, {"bit": 4, "enabled": True}]
            ),
        }
        assert api.post("/contact", json=body).status_code == 204
        after = api.get("/contact/1001").json()["properties"]["permissions"]
    assert {e["bit"]: e["enabled"] for e in after} == {1: True, 2: False, 4: True}


def test_an_unknown_set_bit_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        response = api.put(
            "/contact/1001",
            json={"contact": contact("1001", permissions=[{"bit": 8, "enabled": True}])},
        )
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_PROPERTY"
    assert "bit 8" in response.json()["message"]


def test_channels_are_accepted_on_input(sim: Sim) -> None:
    body = {
        "contact": {
            **contact("2005", email="c@example.com"),
            "channels": [{"name": "SMS", "value": True}],
        }
    }
    with sim.client() as api:
        assert api.post("/contact", json=body).status_code == 204
        channels = {c["name"]: c["value"] for c in api.get("/contact/2005").json()["channels"]}
    assert channels == {"EMAIL": True, "SMS": True}


def test_update_of_an_unknown_contact_is_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.put("/contact/nope", json={"contact": contact("nope", firstName="N")})
    assert response.status_code == 404
    assert response.json()["errorType"] == "CONTACT_NOT_FOUND"


def test_get_of_an_unknown_contact_is_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get("/contact/nope")
    assert response.status_code == 404
    assert response.json()["errorType"] == "CONTACT_NOT_FOUND"


def test_inactivate_turns_every_permission_off(sim: Sim) -> None:
    with sim.client() as api:
        assert api.put("/contact/inactivate/1001").status_code == 204
        permissions = api.get("/contact/1001").json()["properties"]["permissions"]
    assert not any(e["enabled"] for e in permissions)


def test_anonymize_removes_personal_values_but_keeps_the_contact(sim: Sim) -> None:
    with sim.client() as api:
        assert api.put("/contact/anonymize/1002").status_code == 204
        body = api.get("/contact/1002").json()
    assert "email" not in body["properties"] and "lastName" not in body["properties"]
    assert all(not c["value"] for c in body["channels"])


def test_anonymize_of_an_unknown_contact_is_404(sim: Sim) -> None:
    with sim.client() as api:
        assert api.put("/contact/anonymize/nope").json()["errorType"] == "CONTACT_NOT_FOUND"


def test_an_id_no_contact_can_have_is_an_invalid_parameter(sim: Sim) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        anonymize = api.put(f"/contact/anonymize/{'9' * 256}")
        read = api.get(f"/contact/{'9' * 256}")
    for response in (anonymize, read):
        assert response.status_code == 400 and response.json()["errorType"] == "INVALID_PARAMS"
        assert "externalId" in response.json()["message"]
    assert sim.snapshot() == before


@pytest.mark.parametrize(
    ("properties", "needle"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"unknownThing": "x"}, "unknownThing"),
        ({"birthday": "1990-02-31"}, "birthday"),
        ({"gender": "X"}, "gender"),
        ({"postalCode": "ABCD 12"}, "postalCode"),
        ({"loyaltyPoints": "many"}, "loyaltyPoints"),
        ({"firstName": "x" * 256}, "firstName"),
    ],
)
def test_invalid_property_values_are_refused_and_nothing_is_stored(
    sim: Sim, properties: dict[str, object], needle: str
) -> None:
    before = sim.table("SELECT id, properties, changed_ms FROM contacts ORDER BY id")
    with sim.client() as api:
        response = api.post(
            "/contact", json={"update": True, "contact": contact("1001", **properties)}
        )
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_PROPERTY"
    assert needle in response.json()["message"]
    assert sim.table("SELECT id, properties, changed_ms FROM contacts ORDER BY id") == before


def test_property_values_are_stored_in_one_canonical_form(sim: Sim) -> None:
    body = {
        "contact": contact(
            "2006",
            email="n@example.com",
            loyaltyPoints="42",
            totalSpent="19.50",
            postalCode="1234ab",
        )
    }
    with sim.client() as api:
        api.post("/contact", json=body)
        got = api.get("/contact/2006").json()["properties"]
    assert got["loyaltyPoints"] == 42
    assert got["totalSpent"] == 19.5
    assert got["postalCode"] == "1234 AB"


def test_properties_list_covers_every_property_type(sim: Sim) -> None:
    with sim.client() as api:
        listed = api.get("/contact/properties/list").json()
    types = {p["type"] for p in listed}
    assert types == {
        "birthdate",
        "date",
        "dateTime",
        "email",
        "gender",
        "int",
        "mobNr",
        "money",
        "postcode",
        "set",
        "string",
    }
    permissions = next(p for p in listed if p["name"] == "permissions")
    assert [e["bit"] for e in permissions["entries"]] == [1, 2, 4]


def test_batch_insert_answers_a_code_per_contact(sim: Sim) -> None:
    body = {
        "contacts": [
            contact("3001", email="b1@example.com"),
            contact("1001", firstName="Clash"),
            contact("3003", email="broken"),
        ]
    }
    with sim.client() as api:
        response = api.post("/contact/list", json=body)
        assert response.status_code == 200
        codes = {r["externalId"]: r["code"] for r in response.json()}
        assert codes == {"3001": "OK", "1001": "CONTACT_ALREADY_EXISTS", "3003": "PROPERTY_INVALID"}
        assert api.get("/contact/3001").status_code == 200
        assert api.get("/contact/3003").status_code == 404


def test_batch_insert_refuses_more_than_100_contacts(sim: Sim) -> None:
    body = {"contacts": [contact(str(4000 + i)) for i in range(101)]}
    with sim.client() as api:
        response = api.post("/contact/list", json=body)
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_PARAMS"
    assert sim.table("SELECT count(*) FROM contact_ids WHERE value BETWEEN '4000' AND '4100'") == [
        (0,)
    ]


def test_batch_insert_refuses_a_contact_without_external_id(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            "/contact/list", json={"contacts": [{"properties": {"email": "a@b.nl"}}]}
        )
    assert response.status_code == 400
    assert "externalId" in response.json()["message"]


def test_search_by_email_and_by_property(sim: Sim) -> None:
    with sim.client() as api:
        by_email = api.get(
            "/contact/search",
            params={"MPSearchQuery": "email=Bram.Jansen@example.com", "pageSize": 1},
        ).json()
        assert [c["externalId"] for c in by_email["contacts"]] == ["1002"]
        by_city = api.get(
            "/contact/search", params={"MPSearchQuery": "city=Rotterdam", "pageSize": 10}
        ).json()
        assert [c["externalId"] for c in by_city["contacts"]] == ["1003"]
        bad = api.get("/contact/search", params={"MPSearchQuery": "shoeSize=44", "pageSize": 10})
    assert bad.status_code == 400 and bad.json()["errorType"] == "INVALID_PARAMS"


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("campaign-mailings", "campaignMailingHistories"),
        ("forms", "formHistories"),
    ],
)
def test_histories_are_empty_pages_for_known_contacts_and_404_otherwise(
    sim: Sim, path: str, key: str
) -> None:
    with sim.client() as api:
        page = api.get(f"/contact/1001/{path}").json()
        assert page[key] == [] and page["paging"]["after"] == 0
        missing = api.get(f"/contact/nope/{path}")
    assert missing.status_code == 404 and missing.json()["errorType"] == "CONTACT_NOT_FOUND"


def test_one_account_never_sees_another(sim: Sim) -> None:
    with sim.client("shared-webshop") as other, sim.client() as demo:
        assert other.get("/contact/1001").status_code == 404
        other.post("/contact", json={"contact": contact("9999", email="iso@example.com")})
        assert demo.get("/contact/9999").status_code == 404
        found = demo.get(
            "/contact/search", params={"MPSearchQuery": "email=iso@example.com", "pageSize": 5}
        ).json()
    assert found["contacts"] == []
