"""POST /conversion over HTTP, signed like a real client, every answer checked against the
contract. What was stored is read from an admin snapshot and from the table."""

from __future__ import annotations

from typing import Any

import pytest

from spotler_sim.domain.conversions import mailplus_id
from spotler_sim.domain.timewindows import parse_instant_ms
from tests.plugins.simulator import Sim

# A token as a link of another Spotler account would carry it: valid, but names no one here.
FOREIGN_MPID = "Zm9vYmFyLXRva2VuLWZyb20tYS1tYWlsaW5nLWxpbms"


def conversion(**fields: Any) -> dict[str, Any]:
    return {
        "mailplusId": FOREIGN_MPID,
        "type": "CREATE_SHOPPINGCART",
        "interactionDate": "2026-11-02T14:00:00+01:00",
        **fields,
    }


def stored(sim: Sim) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sim.snapshot()["conversions"]
    return found


def anna_mpid(sim: Sim, mailing: str = "demo-mailing-1") -> str:
    with sim.client() as api:
        return mailplus_id(mailing, api.get("/contact/1001").json()["encryptedId"])


def test_a_created_cart_answers_204_and_is_stored(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/conversion", json=conversion())
    assert response.status_code == 204 and response.content == b""
    [kept] = stored(sim)
    assert kept["type"] == "CREATE_SHOPPINGCART" and kept["mailplusId"] == FOREIGN_MPID
    assert parse_instant_ms(kept["interactionDate"]) == parse_instant_ms("2026-11-02T13:00:00Z")
    assert kept["products"] == [] and "value" not in kept
    assert sim.table("SELECT contact_id, mailing FROM conversions") == [(None, None)]


@pytest.mark.parametrize("value", [2495, "2495"])
def test_a_converted_cart_keeps_its_products_and_value_in_cents(sim: Sim, value: object) -> None:
    body = conversion(type="CONVERT_SHOPPINGCART", products=["P-100", "P-103"], value=value)
    with sim.client() as api:
        assert api.post("/conversion", json=body).status_code == 204
    [kept] = stored(sim)
    assert kept["value"] == 2495 and kept["products"] == ["P-100", "P-103"]


def test_an_mpid_of_a_simulated_mailing_attributes_the_conversion(sim: Sim) -> None:
    mpid = anna_mpid(sim)
    with sim.client() as api:
        assert api.post("/conversion", json=conversion(mailplusId=mpid)).status_code == 204
    rows = sim.table(
        "SELECT c.mailing, i.value FROM conversions c JOIN contact_ids i "
        "ON i.contact_id = c.contact_id AND i.field = 'externalCustomerId'"
    )
    assert rows == [("demo-mailing-1", "1001")]


def test_an_mpid_naming_a_contact_the_account_does_not_have_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.post(
            "/conversion",
            json=conversion(mailplusId=mailplus_id("demo-mailing-1", "no-such-contact")),
        )
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "CONTACT_NOT_FOUND"
    assert "mpid" in refused.json()["message"]
    assert stored(sim) == []


def test_an_mpid_naming_a_mailing_the_account_does_not_have_is_refused(sim: Sim) -> None:
    """The reference's "Activity not found": the mailing the link came from is unknown."""
    with sim.client() as api:
        refused = api.post("/conversion", json=conversion(mailplusId=anna_mpid(sim, "m-404")))
    assert refused.status_code == 400 and refused.json()["errorType"] == "MAILING_NOTFOUND"
    assert "'m-404'" in refused.json()["message"] and "GET /mailing" in refused.json()["message"]
    assert stored(sim) == []


def test_an_mpid_of_another_accounts_contact_is_refused(sim: Sim) -> None:
    mpid = anna_mpid(sim)
    with sim.client("shared-webshop") as other:
        refused = other.post("/conversion", json=conversion(mailplusId=mpid))
    # neither the mailing nor the contact it names is this account's: the mailing is met first
    assert refused.status_code == 400 and refused.json()["errorType"] == "MAILING_NOTFOUND"


def test_an_unknown_product_is_refused(sim: Sim) -> None:
    body = conversion(type="CONVERT_SHOPPINGCART", products=["P-100", "P-404"], value=100)
    with sim.client() as api:
        refused = api.post("/conversion", json=body)
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "PRODUCT_NOTFOUND"
    assert "'P-404'" in refused.json()["message"]
    assert stored(sim) == []


def test_a_date_no_calendar_has_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.post("/conversion", json=conversion(interactionDate="2026-11-31T10:00:00"))
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert "Illegal interaction date" in refused.json()["message"]


def _without(field: str) -> dict[str, Any]:
    return {k: v for k, v in conversion().items() if k != field}


# Each 400 the reference lists for POST /conversion that the contract catches.
REFUSED = [
    pytest.param(conversion(mailplusId="not a token!"), "mailplusId", id="MailplusId wrong format"),
    pytest.param(conversion(mailplusId=""), "mailplusId", id="MailplusId empty"),
    pytest.param(_without("mailplusId"), "mailplusId", id="MailplusId missing"),
    pytest.param(conversion(type="ABANDON_SHOPPINGCART"), "type", id="Illegal interaction type"),
    pytest.param(conversion(type=" CONVERT_SHOPPINGCART"), "type", id="type with the space of the vendor's enum"),
    pytest.param(_without("type"), "type", id="type missing"),
    pytest.param(conversion(value=-1), "value", id="Illegal conversion value: negative"),
    pytest.param(conversion(value="12,50"), "value", id="Illegal conversion value: text"),
    pytest.param(conversion(interactionDate="gisteren"), "interactionDate", id="Illegal interaction date"),
    pytest.param(_without("interactionDate"), "interactionDate", id="interaction date missing"),
    pytest.param(conversion(products="P-100"), "products", id="products not a list"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "named"), REFUSED)
def test_the_contract_refuses_what_the_reference_refuses(
    sim: Sim, body: dict[str, Any], named: str
) -> None:
    with sim.client() as api:
        refused = api.post("/conversion", json=body)
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert named in refused.json()["message"]
    assert stored(sim) == []
