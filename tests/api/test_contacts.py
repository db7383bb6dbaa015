"""The contact operations (``api/contacts.py``) over HTTP, signed like a real client, every answer
checked against the contract: single contacts, the updates and bounces lists (windows, date forms,
paging, visibility lag and list shape), and several source systems sharing one account."""

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


@pytest.mark.parametrize("prefix", ["/integrationservice", "/integrationservice-1.1.0"])
def test_paging_links_keep_the_base_path_the_client_used(sim: Sim, prefix: str) -> None:
    with sim.client(prefix=prefix) as api:
        for i in range(3):
            body = {"contact": contact(f"30{i}", email=f"page{i}@example.com", city="Delft")}
            assert api.post("/contact", json=body).status_code == 204
        query = {"MPSearchQuery": "city=Delft", "pageSize": 2}
        first = api.get("/contact/search", params=query).json()
        link = first["paging"]["next"]
        assert link.startswith(f"{sim.base}{prefix}/contact/search?"), link
        second = api.get(link).json()
    found = [c["externalId"] for c in first["contacts"] + second["contacts"]]
    assert found == ["300", "301", "302"] and "next" not in second["paging"]


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


# ---- the updates and bounces lists: windows, date forms, paging, visibility lag, list shape ----

FROZEN = "2026-11-02T12:00:00Z"  # 13:00 in Amsterdam (CET)
FROZEN_MS = 1793620800000


def freeze(sim: Sim, at: str = FROZEN) -> None:
    with sim.admin() as admin:
        assert admin.put("/clock", json={"frozenAt": at}).status_code == 200


def write(api, external_id: str, **properties: object) -> None:  # type: ignore[no-untyped-def]
    body = {"update": True, "contact": {"externalId": external_id, "properties": properties}}
    assert api.post("/contact", json=body).status_code == 204


def updated_ids(api, **params: object) -> list[str | None]:  # type: ignore[no-untyped-def]
    params.setdefault("pageSize", 1000)
    return [
        c["externalId"] for c in api.get("/contact/updates/list", params=params).json()["contacts"]
    ]


@pytest.mark.parametrize(
    ("from_date", "to_date"),
    [
        ("2026-11-02T12:59:00", "2026-11-02T13:01:00"),  # no zone: Amsterdam local time
        ("2026-11-02T11:59:00Z", "2026-11-02T12:01:00Z"),
        ("2026-11-02T13:59:00+02:00", "2026-11-02T14:01:00+02:00"),
        ("2026-11-02T13:59:00+0200", "2026-11-02T14:01:00+0200"),
        ("2026-11-02T12:59:59.123+01:00", "2026-11-02T13:00:00.000000001+01:00"),
        ("2026-11-02", "2026-11-02"),  # date only: the whole day
    ],
)
def test_every_date_form_real_clients_send_finds_the_change(
    sim: Sim, from_date: str, to_date: str
) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7001", email="w@example.com")
        assert updated_ids(api, fromDate=from_date, toDate=to_date) == ["7001"]


def test_an_unencoded_plus_in_the_offset_is_read_as_plus(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7002", email="p@example.com")
        query = "fromDate=2026-11-02T13:59:00+02:00&toDate=2026-11-02T14:01:00+02:00"
        assert [
            c["externalId"] for c in api.get(f"/contact/updates/list?{query}").json()["contacts"]
        ] == ["7002"]


def test_the_window_is_on_the_change_time_and_both_bounds_are_inclusive(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7003", email="a@example.com")
        sim.advance(60)
        write(api, "7004", email="b@example.com")
        assert updated_ids(api, fromDate="2026-11-02T12:00:00Z", toDate="2026-11-02T12:00:00Z") == [
            "7003"
        ]
        assert updated_ids(api, fromDate="2026-11-02T12:01:00Z", toDate="2026-11-02T12:05:00Z") == [
            "7004"
        ]
        assert updated_ids(api, fromDate="2026-11-02T12:00:00Z", toDate="2026-11-02T12:01:00Z") == [
            "7003",
            "7004",
        ]


def test_paging_walks_every_change_once_with_next_and_after(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        for i in range(23):
            write(api, f"8{i:03d}", email=f"p{i}@example.com")
        seen: list[str] = []
        params = {
            "fromDate": "2026-11-02T12:00:00Z",
            "toDate": "2026-11-02T12:00:00Z",
            "pageSize": 5,
        }
        page = api.get("/contact/updates/list", params=params).json()
        while True:
            seen += [c["externalId"] for c in page["contacts"]]
            assert page["paging"]["after"] == len(seen)
            if "next" not in page["paging"]:
                break
            page = api.get(page["paging"]["next"]).json()
    assert seen == [f"8{i:03d}" for i in range(23)]


def test_lastchanged_and_created_are_epoch_milliseconds_of_the_simulated_clock(sim: Sim) -> None:
    freeze(sim)
    with sim.client() as api:
        write(api, "7005", email="t@example.com")
        body = api.get("/contact/7005").json()
    assert body["created"] == FROZEN_MS and body["lastChanged"] == FROZEN_MS


def test_a_change_is_listed_only_once_the_lag_has_passed(sim: Sim) -> None:
    freeze(sim)
    with sim.admin() as admin:
        assert (
            admin.patch(
                "/accounts/demo", json={"visibilityLag": {"mode": "fixed", "seconds": 300}}
            ).status_code
            == 200
        )
    window = {"fromDate": "2026-11-02T12:00:00Z", "toDate": "2026-11-02T12:30:00Z"}
    with sim.client() as api:
        write(api, "7006", email="lag@example.com")
        assert api.get("/contact/7006").status_code == 200  # direct reads see it at once
        assert updated_ids(api, **window) == []
        sim.advance(299)
        assert updated_ids(api, **window) == []
        sim.advance(1)
        assert updated_ids(api, **window) == ["7006"]


def test_an_account_can_answer_the_bare_array_older_clients_read(sim: Sim) -> None:
    freeze(sim)
    with sim.admin() as admin:
        admin.patch("/accounts/demo", json={"listShape": "array"})
    with sim.client() as api:
        write(api, "7007", email="arr@example.com")
        body = api.get(
            "/contact/updates/list", params={"fromDate": "2026-11-02", "toDate": "2026-11-02"}
        ).json()
        bounces = api.get(
            "/contact/bounces/list", params={"fromDate": "2000-01-01", "toDate": "2100-01-01"}
        ).json()
    assert isinstance(body, list) and body[0]["externalId"] == "7007"
    assert isinstance(bounces, list)


def test_bounces_list_shows_recorded_bounces_after_the_lag(sim: Sim) -> None:
    freeze(sim)
    window = {"fromDate": "2026-11-02T11:00:00Z", "toDate": "2026-11-02T13:00:00Z", "pageSize": 10}
    with sim.admin() as admin:
        admin.patch("/accounts/demo", json={"visibilityLag": {"mode": "fixed", "seconds": 60}})
        bounce = {
            "idField": "externalCustomerId",
            "externalId": "1003",
            "type": "SOFTBOUNCE",
            "date": "2026-11-02T12:00:00Z",
            "mailing": "m-1",
        }
        assert admin.post("/accounts/demo/bounces", json=bounce).status_code == 204
    with sim.client() as api:
        assert api.get("/contact/bounces/list", params=window).json()["bounces"] == []
        sim.advance(60)
        listed = api.get("/contact/bounces/list", params=window).json()["bounces"]
    assert [(b["type"], b["contact"]["externalId"], b["encryptedActId"]) for b in listed] == [
        ("SOFTBOUNCE", "1003", "m-1")
    ]
    assert listed[0]["date"] == FROZEN_MS


def test_the_fixture_bounce_is_listed(sim: Sim) -> None:
    with sim.client() as api:
        page = api.get(
            "/contact/bounces/list", params={"fromDate": "2000-01-01", "toDate": "2100-01-01"}
        ).json()
    assert [(b["type"], b["contact"]["externalId"]) for b in page["bounces"]] == [
        ("HARDBOUNCE", "1005")
    ]


@pytest.mark.parametrize("path", ["/contact/updates/list", "/contact/bounces/list"])
@pytest.mark.parametrize(
    ("from_date", "to_date"),
    [
        ("2026-11-01", "9999-12-31"),  # "no end": the day after 9999-12-31 does not exist
        ("0001-01-01T00:00:00+14:00", "2026-11-03"),  # before year 1 in UTC
        ("2026-11-01", "9999-12-31T23:59:59-14:00"),  # after year 9999 in UTC
        ("0001-01-01", "9999-12-31T23:59:59.999999999Z"),
    ],
)
def test_bounds_at_the_ends_of_the_calendar_mean_no_bound(
    sim: Sim, path: str, from_date: str, to_date: str
) -> None:
    # schemathesis found these answering 500: converting them to UTC left the datetime range.
    freeze(sim)
    with sim.client() as api:
        write(api, "7006", email="far@example.com")
        sim.advance(600)  # past any visibility lag of the demo account
        answer = api.get(path, params={"fromDate": from_date, "toDate": to_date})
        assert answer.status_code == 200, answer.text
        if path == "/contact/updates/list":
            assert "7006" in [c.get("externalId") for c in answer.json()["contacts"]]


@pytest.mark.parametrize("offset", ["+99:99", "+01:60", "-24:00"])
def test_an_impossible_offset_is_refused(sim: Sim, offset: str) -> None:
    with sim.client() as api:
        answer = api.get(
            "/contact/updates/list",
            params={"fromDate": f"2026-11-02T12:00:00{offset}", "toDate": "2026-11-03"},
        )
    assert answer.status_code == 400
    assert answer.json()["errorType"] == "INVALID_PARAMS"
    assert "fromDate" in answer.json()["message"] and "+02:00" in answer.json()["message"]


# ---- several source systems on one account ---------------------------------------------------
# The vendor's warning about several source systems, reproduced and avoided. On ``demo-shared-id``
# both systems' keys are linked to ``externalCustomerId``: the three failures the vendor names
# happen. On ``demo`` each key has its own ID field: none of them does, and both systems reach the
# same person by their own IDs.


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


def test_a_contact_without_the_callers_id_is_listed_without_an_external_id(sim: Sim) -> None:
    # Dirk exists only in the CRM; the webshop's updates list still shows him, unlinked.
    with sim.client("webshop") as webshop:
        page = webshop.get(
            "/contact/updates/list", params={"fromDate": "2000-01-01", "toDate": "2100-01-01"}
        ).json()
    dirk = next(c for c in page["contacts"] if c["properties"].get("firstName") == "Dirk")
    assert "externalId" not in dirk
