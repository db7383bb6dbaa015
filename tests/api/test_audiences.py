"""The audience operations over HTTP, signed like a real client, every answer checked against the
contract. Members cannot be read through the API, so they are read from an admin snapshot."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from spotler_sim import contracts
from spotler_sim.api import HANDLERS, build_blueprint
from spotler_sim.domain.audiences import MAX_AUDIENCES, MAX_CONTACTS_PER_CALL
from tests.plugins.simulator import Sim

NOW = "2026-11-20T10:00:00Z"
NOW_ISO = "2026-11-20T10:00:00.000Z"


@pytest.fixture
def frozen(sim: Sim) -> Sim:
    """The demo simulator with its clock frozen at NOW, so dates can be compared exactly."""
    with sim.admin() as admin:
        assert admin.put("/clock", json={"frozenAt": NOW}).status_code == 200
    return sim


def audience(external_id: str = "A-1", **fields: Any) -> dict[str, Any]:
    return {"externalId": external_id, "name": f"Audience {external_id}", **fields}


def encrypted(sim: Sim, *external_ids: str, who: str = "webshop") -> set[str]:
    with sim.client(who) as api:
        return {api.get(f"/contact/{e}").json()["encryptedId"] for e in external_ids}


def members(sim: Sim, external_id: str, account: str = "demo") -> set[str]:
    found = {a["externalId"]: a for a in sim.snapshot(account)["audiences"]}
    return set(found[external_id]["contactEncryptedIds"])


def signed(sim: Sim, key: str, secret: str) -> httpx.Client:
    return sim.signed(key, secret, checked=True)


def refused(response: httpx.Response, status: int, error_type: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorType"] == error_type, body
    message: str = body["message"]
    return message


def test_every_audience_operation_has_a_handler() -> None:
    build_blueprint("handlers")  # registers every handler, whether or not an app was built
    ops = {
        o.operation_id for o in contracts.operations().values() if o.path.startswith("/audience")
    }
    assert ops == {
        "insertAudience",
        "getAudience",
        "updateAudience",
        "deleteAudience",
        "addContactsAudience",
        "removeContactsAudience",
    }
    assert ops <= set(HANDLERS)


# ---- insertAudience --------------------------------------------------------------------------


def test_insert_answers_the_new_audience_and_a_get_reads_it_back(frozen: Sim) -> None:
    with frozen.client() as api:
        response = api.post("/audience", json=audience(description="Bought twice"))
        read = api.get("/audience/A-1")
    assert response.status_code == 200
    assert response.json() == {
        "externalId": "A-1",
        "name": "Audience A-1",
        "description": "Bought twice",
        "createDate": NOW_ISO,
        "changeDate": NOW_ISO,
    }  # the instants of what never happened are left out, as the reference types them
    assert read.json() == response.json()
    assert members(frozen, "A-1") == set()


@pytest.mark.parametrize(
    ("sent", "field", "says"),
    [
        (audience(name=""), "name", "empty"),
        (audience(name="   "), "name", "empty"),
        (audience(name="n" * 256), "name", "256 characters, more than 255"),
        (audience(""), "externalId", "empty"),
        (audience("i" * 256), "externalId", "256 characters, more than 255"),
    ],
)
def test_an_empty_or_too_long_name_or_id_answers_417_and_stores_nothing(
    sim: Sim, sent: dict[str, Any], field: str, says: str
) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        message = refused(api.post("/audience", json=sent), 417, "INVALID_PARAMS")
    assert f"audience {field}" in message and says in message
    assert sim.snapshot() == before


def test_the_longest_name_and_id_are_taken(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/audience", json={"externalId": "i" * 255, "name": "n" * 255})
    assert response.status_code == 200 and response.json()["name"] == "n" * 255


def test_an_existing_external_id_answers_417_id_notunique(sim: Sim) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        sent = audience("recent-buyers", name="Another name")
        message = refused(api.post("/audience", json=sent), 417, "ID_NOTUNIQUE")
        assert api.get("/audience/recent-buyers").json()["name"] == "Recent buyers"
    assert "PUT /audience/recent-buyers" in message
    assert sim.snapshot() == before


def test_a_name_in_use_answers_417_name_already_in_use(sim: Sim) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        response = api.post("/audience", json=audience(name="Recent buyers"))
    assert "choose another name" in refused(response, 417, "NAME_ALREADY_IN_USE")
    assert sim.snapshot() == before


def test_the_maximum_of_audiences_answers_417_invalid_state(sim: Sim) -> None:
    full = [audience(f"A-{n}") for n in range(MAX_AUDIENCES)]
    account = {
        "name": "full",
        "authentications": [{"label": "shop", "key": "full-key", "secret": "full-secret"}],
        "audiences": full,
    }
    with sim.admin() as admin:
        assert admin.post("/accounts", json=account).status_code == 201
    before = sim.snapshot("full")
    with signed(sim, "full-key", "full-secret") as api:
        message = refused(api.post("/audience", json=audience("one-more")), 417, "INVALID_STATE")
        assert api.delete("/audience/A-0").status_code == 204
        assert sim.snapshot("full")["audiences"] == before["audiences"][1:]
        assert api.post("/audience", json=audience("one-more")).status_code == 200  # room again
    assert f"has {MAX_AUDIENCES}" in message and "delete one" in message


def test_a_body_the_contract_refuses_answers_400(sim: Sim) -> None:
    with sim.client() as api:
        missing = api.post("/audience", json={"externalId": "A-1"})
        extra = api.post("/audience", json=audience(colour="red"))
    assert "'name' is a required property" in refused(missing, 400, "INVALID_PARAMS")
    assert "colour" in refused(extra, 400, "INVALID_PARAMS")


# ---- the licence: 403 on every audience call -------------------------------------------------

CALLS = [
    ("POST", "/audience", audience()),
    ("GET", "/audience/recent-buyers", None),
    ("PUT", "/audience/recent-buyers", audience("recent-buyers")),
    ("DELETE", "/audience/recent-buyers", None),
    ("POST", "/audience/recent-buyers/contact", {"contacts": ["1003"]}),
    ("DELETE", "/audience/recent-buyers/contact", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_an_account_without_automation_or_ecommerce_gets_403_and_nothing_changes(
    sim: Sim, method: str, path: str, body: object
) -> None:
    with sim.admin() as admin:
        patch = admin.patch("/accounts/demo", json={"licence": "Email"})
    assert patch.status_code == 200 and patch.json()["licence"] == "Email"
    before = sim.snapshot()
    with sim.client() as api:
        message = refused(api.request(method, path, json=body), 403, "NOT_AUTHORIZED")
    assert "Automation and eCommerce" in message and '"licence": "eCommerce"' in message
    assert sim.snapshot() == before


def test_the_automation_product_may_use_audiences(sim: Sim) -> None:
    with sim.admin() as admin:
        assert admin.patch("/accounts/demo", json={"licence": "Automation"}).status_code == 200
    with sim.client() as api:
        assert api.get("/audience/recent-buyers").status_code == 200


# ---- getAudience -----------------------------------------------------------------------------


def test_get_answers_a_seeded_audience(sim: Sim) -> None:
    with sim.client() as api:
        found = api.get("/audience/recent-buyers").json()
    assert (
        found["name"] == "Recent buyers" and found["description"] == "Ordered in the last 90 days"
    )
    assert found["lastContactAddedAt"] == found["createDate"]  # seeded with members


def test_an_unknown_audience_answers_404(sim: Sim) -> None:
    with sim.client() as api:
        message = refused(api.get("/audience/nope"), 404, "RESOURCE_NOT_FOUND")
    assert "'nope'" in message and "POST /audience" in message


def test_another_accounts_audience_is_not_found(sim: Sim) -> None:
    with sim.client("shared-webshop") as api:
        refused(api.get("/audience/recent-buyers"), 404, "RESOURCE_NOT_FOUND")


# ---- updateAudience --------------------------------------------------------------------------


def test_update_changes_name_and_description_and_keeps_the_creation_date(frozen: Sim) -> None:
    with frozen.client() as api:
        created = api.post("/audience", json=audience(description="old")).json()
        frozen.advance(60)
        sent = {**created, "name": "Renamed", "createDate": "2020-01-01T00:00:00Z"}
        response = api.put("/audience/A-1", json=sent)
        read = api.get("/audience/A-1").json()
    assert response.status_code == 200 and read == response.json()
    assert read["name"] == "Renamed" and read["description"] == "old"
    assert read["createDate"] == NOW_ISO  # cannot be modified
    assert read["changeDate"] == "2026-11-20T10:01:00.000Z"


def test_update_without_a_description_clears_it(sim: Sim) -> None:
    with sim.client() as api:
        response = api.put("/audience/recent-buyers", json=audience("recent-buyers"))
    assert response.status_code == 200 and "description" not in response.json()


def test_update_may_keep_the_name_it_has(sim: Sim) -> None:
    with sim.client() as api:
        sent = {"externalId": "recent-buyers", "name": "Recent buyers", "description": "new"}
        assert api.put("/audience/recent-buyers", json=sent).status_code == 200


def test_update_of_another_id_than_the_path_answers_400(sim: Sim) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        response = api.put("/audience/recent-buyers", json=audience("win-back"))
    message = refused(response, 400, "INVALID_PARAMS")
    assert "doesn't match" in message and "same externalId" in message
    assert sim.snapshot() == before


def test_update_of_an_unknown_audience_answers_404(sim: Sim) -> None:
    with sim.client() as api:
        refused(api.put("/audience/nope", json=audience("nope")), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("name", "error_type"),
    [("Win back", "NAME_ALREADY_IN_USE"), ("", "INVALID_PARAMS"), ("n" * 256, "INVALID_PARAMS")],
)
def test_update_to_a_name_in_use_empty_or_too_long_answers_417(
    sim: Sim, name: str, error_type: str
) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        sent = {"externalId": "recent-buyers", "name": name}
        refused(api.put("/audience/recent-buyers", json=sent), 417, error_type)
    assert sim.snapshot() == before


# ---- deleteAudience --------------------------------------------------------------------------


def test_delete_removes_the_audience_and_its_memberships_not_the_contacts(sim: Sim) -> None:
    with sim.client() as api:
        response = api.delete("/audience/recent-buyers")
        assert response.status_code == 204 and response.content == b""
        refused(api.get("/audience/recent-buyers"), 404, "RESOURCE_NOT_FOUND")
        assert api.get("/contact/1001").status_code == 200
    assert "recent-buyers" not in {a["externalId"] for a in sim.snapshot()["audiences"]}
    assert sim.table(
        "SELECT count(*) FROM audience_members m LEFT JOIN audiences a ON a.id = m.audience_id "
        "WHERE a.id IS NULL"
    ) == [(0,)]


def test_delete_of_an_unknown_audience_answers_404(sim: Sim) -> None:
    with sim.client() as api:
        refused(api.delete("/audience/nope"), 404, "RESOURCE_NOT_FOUND")


def test_delete_of_an_audience_in_use_answers_417_and_keeps_it(sim: Sim) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        message = refused(api.delete("/audience/win-back"), 417, "INVALID_STATE")
        assert api.get("/audience/win-back").status_code == 200
    assert "in use" in message and "We miss you" in message
    assert sim.snapshot() == before


# ---- addContactsAudience ---------------------------------------------------------------------


def test_add_makes_the_callers_contacts_members(frozen: Sim) -> None:
    with frozen.client() as api:
        api.post("/audience", json=audience())
        response = api.post("/audience/A-1/contact", json={"contacts": ["1001", "1003", "1001"]})
        read = api.get("/audience/A-1").json()
    assert response.status_code == 204 and response.content == b""
    assert members(frozen, "A-1") == encrypted(frozen, "1001", "1003")
    assert read["lastContactAddedAt"] == NOW_ISO and read["changeDate"] == NOW_ISO


def test_contacts_are_named_in_the_id_field_of_the_calling_key(sim: Sim) -> None:
    with sim.client("crm") as api:
        added = api.post("/audience/win-back/contact", json={"contacts": ["CRM-777"]})
        response = api.post("/audience/win-back/contact", json={"contacts": ["1001"]})
    assert added.status_code == 204
    assert refused(response, 404, "CONTACT_NOT_FOUND")
    assert response.json()["externalContactIds"] == ["1001"]  # a webshop id, not a CRM one
    assert members(sim, "win-back") == encrypted(sim, "1003") | encrypted(sim, "CRM-777", who="crm")


def test_adding_members_again_changes_nothing(frozen: Sim) -> None:
    with frozen.client() as api:
        before = api.get("/audience/recent-buyers").json()
        frozen.advance(60)
        response = api.post("/audience/recent-buyers/contact", json={"contacts": ["1002", "1001"]})
        after = api.get("/audience/recent-buyers").json()
    assert response.status_code == 204
    assert after == before  # nobody was added, so lastContactAddedAt stays
    assert members(frozen, "recent-buyers") == encrypted(frozen, "1001", "1002")


def test_unknown_contacts_answer_404_listing_them_and_none_is_added(sim: Sim) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        sent = {"contacts": ["1003", "9998", "9999", "9998"]}
        response = api.post("/audience/recent-buyers/contact", json=sent)
    message = refused(response, 404, "CONTACT_NOT_FOUND")
    assert response.json()["externalContactIds"] == ["9998", "9999"]
    assert (
        "'9998', '9999'" in message and "none was added" in message and "POST /contact" in message
    )
    assert sim.snapshot() == before


def test_add_to_an_unknown_audience_answers_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/audience/nope/contact", json={"contacts": ["1001"]})
    assert "'nope'" in refused(response, 404, "RESOURCE_NOT_FOUND")
    assert "externalContactIds" not in response.json()


def test_the_batch_limit_is_inclusive_and_one_more_answers_413(sim: Sim) -> None:
    before = sim.snapshot()
    limit = [f"x{n}" for n in range(MAX_CONTACTS_PER_CALL)]
    with sim.client() as api:
        at_limit = api.post("/audience/recent-buyers/contact", json={"contacts": limit})
        over = api.post("/audience/recent-buyers/contact", json={"contacts": [*limit, "1003"]})
    assert len(at_limit.json()["externalContactIds"]) == MAX_CONTACTS_PER_CALL  # checked, not 413
    assert "and 2490 more" in refused(at_limit, 404, "CONTACT_NOT_FOUND")
    message = refused(over, 413, "INVALID_PARAMS")
    assert "2501 contacts" in message and "batches of 2500" in message
    assert sim.snapshot() == before


def test_add_without_contacts_answers_400(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/audience/recent-buyers/contact", json={"externalIds": ["1001"]})
    assert "contacts" in refused(response, 400, "INVALID_PARAMS")


# ---- removeContactsAudience ------------------------------------------------------------------


def test_remove_takes_the_listed_members_out_and_passes_over_the_rest(frozen: Sim) -> None:
    with frozen.client() as api:
        sent = {"contacts": ["1001", "1003", "9999"]}  # 1003 is no member, 9999 no contact
        response = api.request("DELETE", "/audience/recent-buyers/contact", json=sent)
        read = api.get("/audience/recent-buyers").json()
    assert response.status_code == 204
    assert members(frozen, "recent-buyers") == encrypted(frozen, "1002")
    assert read["lastContactRemovedAt"] == NOW_ISO


@pytest.mark.parametrize("body", [None, b"null"], ids=["no body", "null"])
def test_remove_without_contacts_empties_the_audience(sim: Sim, body: bytes | None) -> None:
    with sim.client() as api:
        headers = {"Content-Type": "application/json"} if body else {}
        response = api.request(
            "DELETE", "/audience/recent-buyers/contact", content=body, headers=headers
        )
        assert response.status_code == 204
        assert api.get("/audience/recent-buyers").json()["lastContactRemovedAt"] is not None
    assert members(sim, "recent-buyers") == set()
    assert members(sim, "win-back") == encrypted(sim, "1003")  # other audiences keep theirs


def test_removing_non_members_changes_nothing(sim: Sim) -> None:
    before = sim.snapshot()
    with sim.client() as api:
        response = api.request(
            "DELETE", "/audience/recent-buyers/contact", json={"contacts": ["1003", "9999"]}
        )
    assert response.status_code == 204
    assert sim.snapshot() == before  # lastContactRemovedAt only moves when someone left


def test_remove_from_an_unknown_audience_answers_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.request("DELETE", "/audience/nope/contact", json={"contacts": ["1001"]})
    refused(response, 404, "RESOURCE_NOT_FOUND")


def test_remove_of_more_than_the_batch_limit_answers_413(sim: Sim) -> None:
    before = sim.snapshot()
    many = {"contacts": ["1001"] * (MAX_CONTACTS_PER_CALL + 1)}
    with sim.client() as api:
        response = api.request("DELETE", "/audience/recent-buyers/contact", json=many)
    assert "at most 2500" in refused(response, 413, "INVALID_PARAMS")
    assert sim.snapshot() == before


def test_remove_with_a_body_the_contract_refuses_answers_400(sim: Sim) -> None:
    with sim.client() as api:
        response = api.request("DELETE", "/audience/recent-buyers/contact", json={"contacts": "1"})
    assert "body.contacts" in refused(response, 400, "INVALID_PARAMS")


# ---- snapshots, reset, deletion --------------------------------------------------------------


def test_audiences_round_trip_through_a_snapshot(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/audience", json=audience(description="kept"))
        api.post("/audience/A-1/contact", json={"contacts": ["1001", "1002", "1005"]})
        api.request("DELETE", "/audience/A-1/contact", json={"contacts": ["1002"]})
        read = api.get("/audience/A-1").json()
    with sim.admin() as admin:
        first = admin.get("/snapshot", params={"account": "demo"}).json()
        assert admin.delete("/accounts/demo").status_code == 204
        assert admin.post("/snapshot", json=first).status_code == 204
        assert admin.get("/snapshot", params={"account": "demo"}).json() == first
    with sim.client() as api:
        assert api.get("/audience/A-1").json() == read
    assert members(sim, "A-1") == encrypted(sim, "1001", "1005")


def test_a_fixture_naming_an_unknown_member_is_refused(sim: Sim) -> None:
    account = {"name": "bad", "audiences": [audience(contacts=["404"])]}
    with sim.admin() as admin:
        response = admin.post("/accounts", json=account)
    assert "externalCustomerId = '404'" in refused(response, 400, "INVALID_PARAMS")


def test_reset_and_delete_remove_every_audience_row_of_the_account(sim: Sim) -> None:
    (demo_id,) = sim.table("SELECT id FROM accounts WHERE name = 'demo'")[0]
    count = (
        f"SELECT (SELECT count(*) FROM audiences WHERE account_id = {demo_id}) + "
        f"(SELECT count(*) FROM audience_members WHERE account_id = {demo_id})"
    )
    assert sim.table(count) != [(0,)]
    with sim.admin() as admin:
        assert admin.post("/accounts/demo/reset").status_code == 204
        assert sim.table(count) == [(0,)]
        assert admin.get("/accounts/demo").json()["licence"] == "eCommerce"  # settings stay
        assert admin.delete("/accounts/demo").status_code == 204
    assert sim.table(count) == [(0,)]
