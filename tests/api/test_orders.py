"""The order operations over HTTP, signed like a real client, every answer checked against the
contract. The API cannot read an order back, so what was stored is read from an admin snapshot."""

from __future__ import annotations

from typing import Any

import pytest

from spotler_sim.domain.timewindows import parse_instant_ms
from tests.plugins.simulator import Sim


def order(external_id: str = "O-1", **fields: Any) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "externalContactId": "1001",
        "date": "2026-11-02T14:00:00+01:00",
        "value": 11990,
        "externalProductIds": ["P-100", "P-101"],
        **fields,
    }


def stored(sim: Sim, account: str = "demo") -> dict[str, dict[str, Any]]:
    return {o["externalId"]: o for o in sim.snapshot(account)["orders"]}


def encrypted_id(sim: Sim, external_id: str, who: str = "webshop") -> str:
    with sim.client(who) as api:
        found: str = api.get(f"/contact/{external_id}").json()["encryptedId"]
    return found


# ---- insert ----------------------------------------------------------------------------------


def test_insert_answers_204_and_stores_the_order_for_the_callers_contact(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/order", json={"order": order()})
    assert response.status_code == 204 and response.content == b""
    kept = stored(sim)["O-1"]
    assert kept["contactEncryptedId"] == encrypted_id(sim, "1001")
    assert kept["value"] == 11990
    assert kept["externalProductIds"] == ["P-100", "P-101"]
    assert parse_instant_ms(kept["date"]) == parse_instant_ms("2026-11-02T13:00:00Z")


@pytest.mark.parametrize("value", [2495, "2495", "02495", 2495.0])
def test_a_value_in_cents_is_stored_as_a_number_whatever_its_form(sim: Sim, value: object) -> None:
    with sim.client() as api:
        assert api.post("/order", json={"order": order(value=value)}).status_code == 204
    assert stored(sim)["O-1"]["value"] == 2495


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("2026-11-02T14:00:00+01:00", "2026-11-02T13:00:00Z"),
        ("2026-11-02T14:00:00+0100", "2026-11-02T13:00:00Z"),
        ("2026-11-02T13:00:00Z", "2026-11-02T13:00:00Z"),
        ("2026-11-02T14:00:00", "2026-11-02T13:00:00Z"),  # no offset: Amsterdam time
        ("2026-07-02T14:00:00", "2026-07-02T12:00:00Z"),  # ... in summer time
        ("2026-11-02T14:00:00.123456", "2026-11-02T13:00:00.123Z"),  # what Python clients send
        ("2026-11-02 14:00", "2026-11-02T13:00:00Z"),
    ],
)
def test_the_date_is_read_with_or_without_an_offset(sim: Sim, sent: str, meant: str) -> None:
    with sim.client() as api:
        assert api.post("/order", json={"order": order(date=sent)}).status_code == 204
    assert parse_instant_ms(stored(sim)["O-1"]["date"]) == parse_instant_ms(meant)


def test_insert_of_an_existing_id_without_update_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        assert api.post("/order", json={"order": order(value=100)}).status_code == 204
        refused = api.post("/order", json={"order": order(value=200)})
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "ID_NOTUNIQUE"
    assert '"update": true' in refused.json()["message"]
    assert stored(sim)["O-1"]["value"] == 100


def test_insert_with_update_true_is_an_upsert(sim: Sim) -> None:
    with sim.client() as api:
        for value in (100, 200):
            body = {"update": True, "order": order(value=value, externalProductIds=["P-102"])}
            assert api.post("/order", json=body).status_code == 204
    kept = stored(sim)
    assert kept["O-1"]["value"] == 200 and kept["O-1"]["externalProductIds"] == ["P-102"]
    assert sim.table("SELECT count(*) FROM orders WHERE external_id = 'O-1'") == [(1,)]


def test_the_contact_is_found_through_the_id_field_of_the_calling_key(sim: Sim) -> None:
    with sim.client("crm") as crm:
        assert (
            crm.post("/order", json={"order": order(externalContactId="CRM-777")}).status_code
            == 204
        )
        # Anna is CRM-501 to the CRM and 1001 to the webshop; "1001" means nothing to the CRM.
        refused = crm.post("/order", json={"order": order("O-2", externalContactId="1001")})
    assert stored(sim)["O-1"]["contactEncryptedId"] == encrypted_id(sim, "CRM-777", "crm")
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "CONTACT_NOT_FOUND"
    assert "crmCustomerId" in refused.json()["message"]


def test_an_unknown_contact_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.post("/order", json={"order": order(externalContactId="9999")})
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "CONTACT_NOT_FOUND"
    assert "POST /contact" in refused.json()["message"]
    assert stored(sim) == {}


def test_an_unknown_product_is_refused_naming_every_missing_one(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.post(
            "/order", json={"order": order(externalProductIds=["P-100", "P-404", "P-405"])}
        )
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "PRODUCT_NOTFOUND"
    message = refused.json()["message"]
    assert "'P-404', 'P-405'" in message and "'P-100'" not in message
    assert "POST /product" in message
    assert stored(sim) == {}


def test_a_product_of_another_account_does_not_count(sim: Sim) -> None:
    with sim.client("shared-webshop") as other:
        refused = other.post(
            "/order", json={"order": order(externalContactId="42", externalProductIds=["P-100"])}
        )
    assert refused.json()["errorType"] == "PRODUCT_NOTFOUND"


def test_a_date_no_calendar_has_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.post("/order", json={"order": order(date="2026-02-30T10:00:00")})
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert "Illegal order date" in refused.json()["message"]
    assert "yyyy-mm-dd" in refused.json()["message"]


def _without(field: str) -> dict[str, Any]:
    return {k: v for k, v in order().items() if k != field}


# Each 400 the reference lists for POST /order and PUT /order/{id} that the contract catches.
REFUSED = [
    pytest.param({}, "order", id="Order is empty"),
    pytest.param({"order": None}, "order", id="Order is null"),
    pytest.param({"order": _without("date")}, "date", id="Date is empty"),
    pytest.param({"order": order(date="")}, "date", id="Date is an empty string"),
    pytest.param({"order": _without("externalProductIds")}, "externalProductIds", id="No product list"),
    pytest.param({"order": order(externalProductIds=[])}, "externalProductIds", id="Productlist is empty"),
    pytest.param({"order": order(externalProductIds=[""])}, "externalProductIds[0]", id="Product id is empty"),
    pytest.param({"order": order(externalId="")}, "externalId", id="OrderId is empty"),
    pytest.param({"order": _without("externalId")}, "externalId", id="OrderId is missing"),
    pytest.param({"order": order(externalContactId="")}, "externalContactId", id="ExternalContactId empty"),
    pytest.param({"order": _without("externalContactId")}, "externalContactId", id="ExternalContactId missing"),
    pytest.param({"order": order(value=-1)}, "value", id="Illegal order value: negative"),
    pytest.param({"order": order(value="24.95")}, "value", id="Illegal order value: decimals"),
    pytest.param({"order": order(value="abc")}, "value", id="Illegal order value: text"),
    pytest.param({"order": order(value=None)}, "value", id="Illegal order value: null"),
    pytest.param({"order": _without("value")}, "value", id="Illegal order value: missing"),
    pytest.param({"order": order(date="yesterday")}, "date", id="Illegal order date: words"),
    pytest.param({"order": order(date="02-11-2026")}, "date", id="Illegal order date: d-m-y"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "named"), REFUSED)
def test_insert_refuses_what_the_reference_refuses(sim: Sim, body: Any, named: str) -> None:
    with sim.client() as api:
        refused = api.post("/order", json=body)
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert named in refused.json()["message"]
    assert stored(sim) == {}


# ---- update ----------------------------------------------------------------------------------


def test_put_replaces_an_existing_order(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/order", json={"order": order()})
        changed = api.put(
            "/order/O-1", json={"order": order(value="500", externalProductIds=["P-103"])}
        )
    assert changed.status_code == 204 and changed.content == b""
    kept = stored(sim)["O-1"]
    assert kept["value"] == 500 and kept["externalProductIds"] == ["P-103"]


def test_put_of_an_unknown_order_is_404_and_creates_nothing(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.put("/order/O-404", json={"order": order("O-404")})
    assert refused.status_code == 404
    assert refused.json()["errorType"] == "ORDER_NOTFOUND"
    assert "POST /order" in refused.json()["message"]
    assert stored(sim) == {}


def test_put_with_another_id_in_the_body_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/order", json={"order": order()})
        refused = api.put("/order/O-1", json={"order": order("O-2", value=1)})
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert "same value" in refused.json()["message"]
    assert stored(sim)["O-1"]["value"] == 11990


@pytest.mark.parametrize(
    ("change", "error_type"),
    [
        ({"externalContactId": "9999"}, "CONTACT_NOT_FOUND"),
        ({"externalProductIds": ["P-404"]}, "PRODUCT_NOTFOUND"),
        ({"date": "2026-13-01T00:00:00"}, "INVALID_PARAMS"),
        ({"value": -5}, "INVALID_PARAMS"),
        ({"externalProductIds": []}, "INVALID_PARAMS"),
    ],
)
def test_put_refuses_what_insert_refuses_and_keeps_the_order(
    sim: Sim, change: dict[str, Any], error_type: str
) -> None:
    with sim.client() as api:
        api.post("/order", json={"order": order()})
        refused = api.put("/order/O-1", json={"order": order(**change)})
    assert refused.status_code == 400
    assert refused.json()["errorType"] == error_type
    assert stored(sim)["O-1"]["value"] == 11990


# ---- delete (cancel) -------------------------------------------------------------------------


def test_delete_cancels_the_order_and_a_second_delete_is_404(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/order", json={"order": order()})
        api.post("/order", json={"order": order("O-2")})
        assert api.delete("/order/O-1").status_code == 204
        again = api.delete("/order/O-1")
    assert set(stored(sim)) == {"O-2"}
    assert again.status_code == 404
    assert again.json()["errorType"] == "ORDER_NOTFOUND"


def test_orders_belong_to_one_account(sim: Sim) -> None:
    with sim.client("shared-webshop") as other:
        assert other.delete("/order/SO-1").status_code == 204  # a seeded order of its own
    with sim.client() as api:
        assert api.delete("/order/SO-2").json()["errorType"] == "ORDER_NOTFOUND"
    assert set(stored(sim, "demo-shared-id")) == {"SO-2"}


def test_an_order_keeps_a_product_deleted_after_it_was_placed(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/order", json={"order": order()})
        assert api.delete("/product/P-101").status_code == 204
    assert stored(sim)["O-1"]["externalProductIds"] == ["P-100", "P-101"]


# ---- snapshots and reset ---------------------------------------------------------------------


def test_products_orders_and_conversions_round_trip_through_a_snapshot(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/order", json={"order": order()})
        api.post(
            "/conversion",
            json={
                "mailplusId": "dG9rZW4",
                "type": "CONVERT_SHOPPINGCART",
                "interactionDate": "2026-11-02T14:05:00",
                "products": ["P-100"],
                "value": "11990",
            },
        )
        before = api.get("/product/P-100").json()
    with sim.admin() as admin:
        first = admin.get("/snapshot", params={"account": "demo"}).json()
        assert [p["externalId"] for p in first["accounts"][0]["products"]][:1] == ["P-100"]
        assert first["accounts"][0]["productProperties"][0] == {"name": "color"}
        assert admin.delete("/accounts/demo").status_code == 204
        assert admin.post("/snapshot", json=first).status_code == 204
        assert admin.get("/snapshot", params={"account": "demo"}).json() == first
    with sim.client() as api:
        assert api.get("/product/P-100").json() == before
        assert api.get("/product/search", params={"MPSearchQuery": "color=navy"}).json() == [before]
        assert api.post("/order", json={"order": order()}).json()["errorType"] == "ID_NOTUNIQUE"


def test_reset_removes_products_orders_and_conversions_and_keeps_the_definitions(sim: Sim) -> None:
    with sim.client("shared-webshop") as api:
        api.post(
            "/conversion",
            json={"mailplusId": "dG9rZW4", "type": "CREATE_SHOPPINGCART", "interactionDate": "2026-11-02T14:05:00"},
        )  # fmt: skip
    with sim.admin() as admin:
        assert admin.post("/accounts/demo-shared-id/reset").status_code == 204
    with sim.client("shared-webshop") as api:
        assert api.get("/product/SP-1").status_code == 404
        assert api.delete("/order/SO-1").status_code == 404
        assert api.get("/product/custom-properties/list").json() == [
            {"name": "color"},
            {"name": "season"},
        ]
    with sim.client() as api:
        assert api.get("/product/P-100").status_code == 200  # other accounts keep theirs
    assert sim.table("SELECT count(*) FROM conversions") == [(0,)]
    assert stored(sim, "demo-shared-id") == {}


def test_a_fixture_order_for_a_contact_the_account_lacks_is_refused(sim: Sim) -> None:
    account = {
        "name": "broken",
        "products": [
            {
                "externalId": "X",
                "name": "X",
                "link": "l",
                "price": 1,
                "imageUrl": "i",
                "imageLargeUrl": "j",
            }
        ],
        "orders": [
            {
                "externalId": "O",
                "externalContactId": "nobody",
                "date": "2026-11-02T14:00:00",
                "value": 1,
                "externalProductIds": ["X"],
            }
        ],
    }
    with sim.admin() as admin:
        refused = admin.post("/accounts", json=account)
        assert admin.get("/accounts/broken").status_code == 404  # all or nothing
    assert refused.status_code == 400  # as every fixture entry naming a missing contact
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert "add the contact first" in refused.json()["message"]
