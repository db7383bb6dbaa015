"""The seven integration uses the vendor names, each walked end to end over real HTTP.

One `spotler-sim serve --workers 2` with the demo fixture, as `make run` starts it; every call
signed like a connector signs it and every answer checked against the contract. Each walk uses
ids of its own, so the walks share the server without meeting.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from spotler_sim.domain.conversions import mailplus_id
from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import LiveServer, serving

DAY = 24 * 3600
CART_TRIGGER = "dHJpZ2dlci1jYXJ0"  # the demo's "cart left behind" trigger (two mailings)
WELCOME_CODE = "bc0a8795-4f1e-4a6b-8d2c-7e3f9a5b1c20"
SIGNUP_FORM = 3101
WINTER = "bWFpbC13aW50ZXItc2FsZQ"  # the demo's mailing not sent yet


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("uses") / "serve.log", "--workers", "2") as live:
        yield live


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


@pytest.fixture
def admin(server: LiveServer) -> Iterator[AdminClient]:
    with AdminClient(server.base) as client:
        yield client


def contact(external_id: str, **properties: Any) -> dict[str, Any]:
    return {"update": True, "contact": {"externalId": external_id, "properties": properties}}


def snapshot(admin: AdminClient) -> dict[str, Any]:
    found: dict[str, Any] = admin.snapshot("demo")["accounts"][0]
    return found


def test_contacts(api: httpx.Client, server: LiveServer) -> None:
    email = "walk.contacts@example.com"
    assert (
        api.post("/contact", json=contact("w-c-1", email=email, firstName="Wim")).status_code == 204
    )
    assert api.post("/contact", json=contact("w-c-1", city="Delft")).status_code == 204  # upsert
    got = api.get("/contact/w-c-1").json()
    assert got["properties"]["firstName"] == "Wim" and got["properties"]["city"] == "Delft"
    found = api.get("/contact/search", params={"MPSearchQuery": f"email={email.upper()}"}).json()
    assert [c["externalId"] for c in found["contacts"]] == ["w-c-1"]
    with server.client("crm") as crm:  # the CRM's ID field: the same person, linked by e-mail
        assert crm.post("/contact", json=contact("crm-77", email=email)).status_code == 204
        assert crm.get("/contact/crm-77").json()["encryptedId"] == got["encryptedId"]
    changed = got["lastChanged"]
    window = {"fromDate": iso_utc(changed - 60_000), "toDate": iso_utc(changed + 60_000)}
    updates = api.get("/contact/updates/list", params=window).json()["contacts"]
    assert "w-c-1" in {c.get("externalId") for c in updates}  # absent: no ID here
    assert api.put("/contact/anonymize/w-c-1").status_code == 204
    assert "email" not in api.get("/contact/w-c-1").json()["properties"]
    assert api.get("/contact/w-c-404").json()["errorType"] == "CONTACT_NOT_FOUND"


def test_products(api: httpx.Client) -> None:
    product = {"externalId": "W-P-1", "name": "Walking boots", "price": "8995",
               "description": "Leather", "link": "https://shop.example/w-p-1",
               "imageUrl": "https://shop.example/w-p-1.jpg",
               "imageLargeUrl": "https://shop.example/w-p-1-large.jpg"}  # fmt: skip
    assert api.post("/product", json={"product": product}).status_code == 204
    again = api.post("/product", json={"product": product})
    assert again.status_code == 400 and again.json()["errorType"] == "ID_NOTUNIQUE"
    upsert = {"update": True, "product": {**product, "price": 7995}}
    assert api.post("/product", json=upsert).status_code == 204
    assert api.get("/product/W-P-1").json()["price"] == "7995"
    found = api.get("/product/search", params={"MPSearchQuery": "externalId=W-P-1"}).json()
    assert [p["name"] for p in found] == ["Walking boots"]
    replaced = {"product": {**product, "name": "Hiking boots"}}
    assert api.put("/product/W-P-1", json=replaced).status_code == 204
    assert api.get("/product/W-P-1").json()["name"] == "Hiking boots"
    assert api.delete("/product/W-P-1").status_code == 204
    assert api.get("/product/W-P-1").status_code == 404


def test_orders(api: httpx.Client, admin: AdminClient) -> None:
    assert (
        api.post("/contact", json=contact("w-o-1", email="walk.orders@example.com")).status_code
        == 204
    )
    order = {"externalId": "W-O-1", "externalContactId": "w-o-1",
             "date": "2026-11-20T10:00:00+01:00", "value": "12990",
             "externalProductIds": ["P-100"]}  # fmt: skip
    unknown = {**order, "externalProductIds": ["P-100", "NOPE"]}
    refused = api.post("/order", json={"order": unknown})
    assert refused.status_code == 400 and refused.json()["errorType"] == "PRODUCT_NOTFOUND"
    assert api.post("/order", json={"order": order}).status_code == 204
    changed = {"order": {**order, "value": 10990}}
    assert api.put("/order/W-O-1", json=changed).status_code == 204
    kept = {o["externalId"]: o for o in snapshot(admin)["orders"]}["W-O-1"]
    assert kept["value"] == 10990 and kept["externalProductIds"] == ["P-100"]
    assert api.delete("/order/W-O-1").status_code == 204  # a cancellation
    assert "W-O-1" not in {o["externalId"] for o in snapshot(admin)["orders"]}
    assert api.delete("/order/W-O-1").json()["errorType"] == "ORDER_NOTFOUND"


def test_campaign_triggers(api: httpx.Client, admin: AdminClient) -> None:
    assert (
        api.post("/contact", json=contact("w-t-1", email="walk.trigger@example.com")).status_code
        == 204
    )
    listed = api.get("/campaign/list").json()
    assert CART_TRIGGER in {t["encryptedId"] for c in listed for t in c["triggers"]}
    body = {"externalContactId": "w-t-1", "campaignFields": [{"name": "cart", "value": "2 items"}]}
    assert api.post(f"/campaign/trigger/{CART_TRIGGER}", json=body).status_code == 204
    first = api.get("/contact/w-t-1/campaign-mailings").json()["campaignMailingHistories"]
    assert len(first) == 1  # the first mailing goes at once, the second a day later
    admin.advance_clock(DAY)
    later = api.get("/contact/w-t-1/campaign-mailings").json()["campaignMailingHistories"]
    assert len(later) == 2
    started = api.post(f"/automation/trigger/{WELCOME_CODE}", json={"externalContactId": "w-t-1"})
    assert started.status_code == 200 and started.json()["result"] == "OK"
    unknown = api.post("/campaign/trigger/bm9wZQ", json={"externalContactId": "w-t-1"})
    assert unknown.status_code == 404 and unknown.json()["errorType"] == "TRIGGER_NOTFOUND"


def test_forms_as_the_plugins_use_them(server: LiveServer, api: httpx.Client) -> None:
    forms = api.get("/form/list").json()
    assert SIGNUP_FORM in {f["id"] for f in forms}
    email = "walk.forms@example.com"
    params = (
        "<params><postUrl>https://shop.example/thanks</postUrl><formParams>"
        f"<entry><key>email</key><value><item>{email}</item></value></entry>"
        "<entry><key>firstName</key><value><item>Fem</item></value></entry>"
        "</formParams></params>"
    )
    # The older plugin: an XML params document, no Accept header, an XML answer read back.
    with server.signed("demo-webshop", "demo-webshop-secret") as plugin:
        plugin.headers.pop("Accept")
        page = plugin.get(f"/form/{SIGNUP_FORM}", params={"postUrl": "https://shop.example/f"})
        posted = plugin.post(
            f"/form/result/{SIGNUP_FORM}",
            content=params.encode(),
            headers={"Content-Type": "application/xml"},
        )
    assert ET.fromstring(page.content).tag == "formResponse"
    assert 'name="email"' in (ET.fromstring(page.content).findtext("html") or "")
    assert posted.status_code == 200 and posted.headers["content-type"] == "application/xml"
    results = api.get(f"/form/result/{SIGNUP_FORM}").json()
    mine = [r for r in results if email in str(r)]
    assert len(mine) == 1
    found = api.get("/contact/search", params={"MPSearchQuery": f"email={email}"}).json()
    [person] = found["contacts"]
    assert person["properties"]["firstName"] == "Fem"


def test_conversions(api: httpx.Client, admin: AdminClient) -> None:
    assert (
        api.post("/contact", json=contact("w-v-1", email="walk.conv@example.com")).status_code
        == 204
    )
    encrypted = api.get("/contact/w-v-1").json()["encryptedId"]
    mpid = mailplus_id("bWFpbC1jYXJ0LTE", encrypted)  # the mpid a mailing's link carried
    body = {"mailplusId": mpid, "type": "CONVERT_SHOPPINGCART",
            "interactionDate": "2026-11-21T12:00:00+01:00", "value": 4990,
            "products": ["P-101"]}  # fmt: skip
    assert api.post("/conversion", json=body).status_code == 204
    unknown = api.post("/conversion", json={**body, "products": ["NOPE"]})
    assert unknown.status_code == 400 and unknown.json()["errorType"] == "PRODUCT_NOTFOUND"
    kept = [c for c in snapshot(admin)["conversions"] if c["mailplusId"] == mpid]
    assert len(kept) == 1 and kept[0]["value"] == 4990 and kept[0]["products"] == ["P-101"]


def pages(api: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    """Every row of a paged list, following paging.after as a connector does."""
    found: list[dict[str, Any]] = []
    params = {"pageSize": 7, **params}
    while True:
        page = api.get(path, params=params).json()
        found += page[key]
        if "next" not in page["paging"]:
            return found
        params["after"] = page["paging"]["after"]


def test_reports(api: httpx.Client, admin: AdminClient) -> None:
    people = [f"w-r-{i}" for i in range(30)]
    for person in people:
        body = contact(person, email=f"{person}@example.com")
        assert api.post("/contact", json=body).status_code == 204
    started = admin.clock()["now"]
    rates = {"hardBounce": 0.1, "softBounce": 0.1, "open": 0.6, "click": 0.3}
    sent = admin.send_mailing(WINTER, {"account": "demo", "contacts": people, "rates": rates})
    assert sent["sent"] == 30 and sent["skipped"] == 0
    admin.advance_clock(8 * DAY)  # every open and click has happened by now
    stats = api.get(f"/mailing/{WINTER}/statistics").json()
    bounced = stats["hardbounceCount"] + stats["softbounceCount"]
    assert stats["sentCount"] == 30 == stats["acceptedCount"] + bounced
    assert (stats["hardbounceCount"], stats["softbounceCount"]) == (
        sent["hardBounces"],
        sent["softBounces"],
    )
    assert stats["clickCount"] <= stats["openCount"] <= stats["acceptedCount"]
    recipients = pages(api, f"/mailing/{WINTER}/recipients", "recipients")
    assert sorted(r["contactIdentifier"]["externalId"] for r in recipients) == sorted(people)
    bounces = pages(api, f"/mailing/{WINTER}/bounces", "bounces")
    assert len(bounces) == bounced
    window = {"fromDate": started, "toDate": admin.clock()["now"], "pageSize": 1000}
    listed = api.get("/contact/bounces/list", params=window).json()["bounces"]
    assert {b["contact"]["externalId"] for b in listed if b["encryptedActId"] == WINTER} == {
        b["contactIdentifier"]["externalId"] for b in bounces
    }
    opened = pages(api, "/mailing-interaction/opened", "interactions", **window)
    mine = [o for o in opened if o["encryptedMailingId"] == WINTER]
    assert len(mine) == len(pages(api, f"/mailing/{WINTER}/opens", "opens"))
    someone = recipients[0]["contactIdentifier"]["externalId"]
    history = api.get(f"/contact/{someone}/mailings").json()["mailingHistories"]
    assert WINTER in {h["mailing"]["encryptedId"] for h in history}
