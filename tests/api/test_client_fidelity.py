"""What real clients built from the vendor's description send and read, over HTTP.

Pydantic models and PHP objects send every unset field as ``null``; generated clients type the
answers as the reference does (a product's ``price`` is a string, a contact's ``externalId`` a
string that may be absent, never null). Errors answered in XML keep their errorType in the journal.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from tests.plugins.simulator import Sim

CART_TRIGGER = "dHJpZ2dlci1jYXJ0"  # the demo's cart-left-behind trigger
EVERYTHING = {"fromDate": "2000-01-01", "toDate": "2100-01-01"}


def product(**fields: Any) -> dict[str, Any]:
    return {
        "externalId": "P-9",
        "name": "Rain jacket",
        "link": "https://shop.example/p/9",
        "price": 8995,
        "imageUrl": "https://shop.example/i/9.jpg",
        "imageLargeUrl": "https://shop.example/i/9-large.jpg",
        **fields,
    }


def test_a_product_sent_with_every_unset_field_null_is_stored_without_them(sim: Sim) -> None:
    unset = dict.fromkeys(
        ("description", "oldPrice", "gtin", "ratingValue", "stock", "deleted", "visible"), None
    )
    sent = product(creationDate=None, changeDate=None, specifications=None, **unset)
    with sim.client() as api:
        inserted = api.post("/product", json={"update": None, "product": sent})
        replaced = api.put("/product/P-9", json={"product": {**sent, "customProperties": None}})
        read = api.get("/product/P-9").json()
    assert inserted.status_code == 204, inserted.text
    assert replaced.status_code == 204, replaced.text
    assert not {"description", "oldPrice", "specifications", "ratingValue"} & set(read)
    assert read["stock"] == "UNKNOWN" and read["visible"] is True  # the defaults of absent
    assert None not in read.values()


def test_a_campaign_trigger_with_null_fields_is_taken(sim: Sim) -> None:
    with sim.client() as api:
        bare = api.post(
            f"/campaign/trigger/{CART_TRIGGER}",
            json={"externalContactId": "1001", "campaignFields": None},
        )
        fields = [
            {"name": "linktocart", "type": None, "value": "https://x.example", "values": None}
        ]
        with_fields = api.post(
            f"/campaign/trigger/{CART_TRIGGER}",
            json={"externalContactId": "1002", "campaignFields": fields},
        )
    assert bare.status_code == 204, bare.text
    assert with_fields.status_code == 204, with_fields.text


def test_a_required_field_sent_as_null_is_refused_naming_it(sim: Sim) -> None:
    with sim.client(checked=False) as api:
        response = api.post("/product", json={"product": product(name=None)})
        trigger = api.post(f"/campaign/trigger/{CART_TRIGGER}", json={"externalContactId": None})
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_PARAMS"
    assert "body.product.name is null, but it is required" in response.json()["message"]
    assert trigger.status_code == 400
    assert "body.externalContactId is null" in trigger.json()["message"]


def test_product_numbers_are_answered_as_the_strings_the_reference_types(sim: Sim) -> None:
    sent = product(
        oldPrice="10995",
        ratingValue=4,
        specifications=[{"description": "Size", "value": "M", "rank": 2}],
    )
    with sim.client() as api:
        assert api.post("/product", json={"product": sent}).status_code == 204
        read = api.get("/product/P-9").json()
        [found] = api.get("/product/search", params={"MPSearchQuery": "externalId=P-9"}).json()
        xml = api.get("/product/P-9", headers={"Accept": "application/xml"})
    assert (read["price"], read["oldPrice"], read["ratingValue"]) == ("8995", "10995", "4")
    assert read["specifications"] == [{"description": "Size", "value": "M", "rank": "2"}]
    assert found == read
    root = ET.fromstring(xml.content)
    assert root.findtext("price") == "8995" and root.findtext("ratingValue") == "4"
    assert root.findtext("specifications/rank") == "2"


def test_a_contact_subscribed_by_email_is_listed_without_an_external_id(sim: Sim) -> None:
    with sim.client() as api:
        sent = {"properties": {"email": "only-an-address@example.com"}}
        assert api.post("/subscription/subscribe", json=sent).status_code == 204
        sim.advance(3600)  # past the visibility lag of the updates list
        listed = api.get("/contact/updates/list", params=EVERYTHING).json()["contacts"]
        searched = api.get(
            "/contact/search", params={"MPSearchQuery": "email=only-an-address@example.com"}
        ).json()["contacts"]
    [mine] = [c for c in listed if c["properties"].get("email") == "only-an-address@example.com"]
    assert "externalId" not in mine and "externalId" not in searched[0]
    assert all(c.get("externalId", "") is not None for c in listed)


def test_an_error_answered_in_xml_keeps_its_error_type_in_the_journal(sim: Sim) -> None:
    with sim.client(checked=False) as api:
        xml = api.get("/product/nope", headers={"Accept": "application/xml"})
        json_ = api.get("/product/nope")
    assert xml.headers["Content-Type"].startswith("application/xml")
    assert ET.fromstring(xml.content).findtext("errorType") == "PRODUCT_NOTFOUND"
    with sim.admin() as admin:
        rows = admin.get("/requests", params={"path": "/product/nope"}).json()["requests"]
    assert [r["errorType"] for r in rows] == ["PRODUCT_NOTFOUND", "PRODUCT_NOTFOUND"]
    assert json_.status_code == 404
