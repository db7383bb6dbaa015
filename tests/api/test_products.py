"""The product operations over HTTP, signed like a real client, every answer checked against
the contract: insert and upsert, update, delete, get, search and the custom properties list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.plugins.simulator import Sim


def product(external_id: str = "P-1", **fields: Any) -> dict[str, Any]:
    slug = external_id.lower()
    return {
        "externalId": external_id,
        "name": "Rain jacket",
        "link": f"https://shop.example/p/{slug}",
        "price": 8995,
        "imageUrl": f"https://shop.example/i/{slug}.jpg",
        "imageLargeUrl": f"https://shop.example/i/{slug}-large.jpg",
        **fields,
    }


COUNT = "SELECT count(*) FROM products"


# ---- insert ----------------------------------------------------------------------------------


def test_insert_answers_204_and_reads_back_in_one_canonical_form(sim: Sim) -> None:
    sent = product(
        "P-1",
        price="8995",
        oldPrice=10995,
        visible="false",
        deleted=False,
        gtin=8712345678906,
        ratingValue="4.5",
        customProperties={"color": "navy", "material": "cotton"},
        specifications=[{"description": "Size", "value": "M", "rank": "2"}],
    )
    with sim.client() as api:
        response = api.post("/product", json={"product": sent})
        assert response.status_code == 204
        assert response.content == b""
        got = api.get("/product/P-1")
    assert got.status_code == 200
    body = got.json()
    assert body["price"] == "8995" and body["oldPrice"] == "10995"  # cents, typed as the reference
    assert body["visible"] is False and body["deleted"] is False  # flags as booleans
    assert body["gtin"] == "8712345678906"
    assert body["ratingValue"] == "4.5"
    assert body["stock"] == "UNKNOWN"  # the default when none is sent
    assert body["customProperties"] == {"color": "navy", "material": "cotton"}
    assert body["specifications"] == [{"description": "Size", "value": "M", "rank": "2"}]
    assert body["creationDate"] == body["changeDate"]


@pytest.mark.parametrize(("price", "visible"), [(8995, True), ("8995", "true"), ("08995", "true")])
def test_numbers_and_strings_are_stored_alike(sim: Sim, price: object, visible: object) -> None:
    with sim.client() as api:
        api.post("/product", json={"product": product(price=price, visible=visible)})
        body = api.get("/product/P-1").json()
    assert body["price"] == "8995" and body["visible"] is True


def test_insert_of_an_existing_id_without_update_is_refused_and_changes_nothing(sim: Sim) -> None:
    with sim.client() as api:
        assert api.post("/product", json={"product": product(name="First")}).status_code == 204
        refused = api.post("/product", json={"product": product(name="Second")})
        assert refused.status_code == 400
        assert refused.json()["errorType"] == "ID_NOTUNIQUE"
        assert '"update": true' in refused.json()["message"]
        assert api.get("/product/P-1").json()["name"] == "First"


def test_insert_with_update_true_is_an_upsert_that_keeps_the_creation_date(sim: Sim) -> None:
    sim.state.advance_clock(0)
    with sim.client() as api:
        body = {"update": True, "product": product(name="First", sku="RJ-1")}
        assert api.post("/product", json=body).status_code == 204
        first = api.get("/product/P-1").json()
        sim.state.advance_clock(60)
        body = {"update": True, "product": product(name="Second")}
        assert api.post("/product", json=body).status_code == 204
        second = api.get("/product/P-1").json()
        assert api.get("/product/search", params={"MPSearchQuery": "sku=RJ-1"}).json() == []
    assert second["name"] == "Second" and "sku" not in second  # replaced, not merged
    assert second["creationDate"] == first["creationDate"]
    assert second["changeDate"] > first["changeDate"]
    assert sim.table("SELECT count(*) FROM products WHERE external_id = 'P-1'") == [(1,)]


# Each 400 the reference lists for POST /product and PUT /product/{id}, and what else the
# contract refuses; the message names the field.
REFUSED = [
    pytest.param({}, "product", id="product cannot be null"),
    pytest.param({"product": None}, "product", id="product null"),
    pytest.param({"product": product(price=None)}, "price", id="price cannot be null"),
    pytest.param(
        {"product": {k: v for k, v in product().items() if k != "price"}},
        "price",
        id="price missing",
    ),
    pytest.param({"product": product(imageUrl="")}, "imageUrl", id="image url empty"),
    pytest.param({"product": product(imageUrl=None)}, "imageUrl", id="image url null"),
    pytest.param({"product": product(imageLargeUrl="")}, "imageLargeUrl", id="large image"),
    pytest.param({"product": product(link="")}, "link", id="link empty"),
    pytest.param({"product": product(link=None)}, "link", id="link null"),
    pytest.param({"product": product(externalId="")}, "externalId", id="externalId empty"),
    pytest.param({"product": product(name="")}, "name", id="name empty"),
    pytest.param({"product": product(name=None)}, "name", id="name null"),
    pytest.param({"product": product(price=-1)}, "price", id="negative price"),
    pytest.param({"product": product(price="89.95")}, "price", id="price with decimals"),
    pytest.param({"product": product(price="abc")}, "price", id="price not a number"),
    pytest.param({"product": product(price=10**16)}, "price", id="price too large"),
    pytest.param({"product": product(visible="yes")}, "visible", id="flag not a flag"),
    pytest.param({"product": product(stock="PLENTY")}, "stock", id="stock not in enum"),
    pytest.param({"product": product(ratingValue=6)}, "ratingValue", id="rating above 5"),
    pytest.param(
        {"product": product(specifications=[{"description": "d", "value": "v"}] * 6)},
        "specifications",
        id="more than 5 specifications",
    ),
    pytest.param(
        {"product": product(customProperties={"color": None})},
        "color",
        id="custom property null",
    ),
    pytest.param({"product": product(colour="red")}, "colour", id="unknown field"),
]


@pytest.mark.parametrize(("body", "named"), REFUSED)
def test_insert_refuses_what_the_reference_refuses(sim: Sim, body: Any, named: str) -> None:
    before = sim.table(COUNT)
    with sim.client() as api:
        refused = api.post("/product", json=body)
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert named in refused.json()["message"]
    assert sim.table(COUNT) == before


def test_an_unknown_custom_property_is_refused_naming_the_list(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.post("/product", json={"product": product(customProperties={"size": "M"})})
        assert api.get("/product/P-1").status_code == 404
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PROPERTY"
    message = refused.json()["message"]
    assert "invalid custom property" in message and "size" in message
    assert "/product/custom-properties/list" in message


# ---- update ----------------------------------------------------------------------------------


def test_put_replaces_an_existing_product(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/product", json={"product": product(brand="Nordwind")})
        changed = api.put("/product/P-1", json={"product": product(price="7995")})
        assert changed.status_code == 204 and changed.content == b""
        body = api.get("/product/P-1").json()
    assert body["price"] == "7995" and "brand" not in body


def test_put_of_an_unknown_product_is_404_and_creates_nothing(sim: Sim) -> None:
    with sim.client() as api:
        refused = api.put("/product/P-404", json={"product": product("P-404")})
        assert api.get("/product/P-404").status_code == 404
    assert refused.status_code == 404
    assert refused.json()["errorType"] == "PRODUCT_NOTFOUND"
    assert "POST /product" in refused.json()["message"]


def test_put_with_another_external_id_renames_the_product(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/product", json={"product": product("P-1")})
        assert api.put("/product/P-1", json={"product": product("P-2")}).status_code == 204
        assert api.get("/product/P-1").status_code == 404
        assert api.get("/product/P-2").json()["externalId"] == "P-2"
        found = api.get("/product/search", params={"MPSearchQuery": "externalId=P-2"}).json()
    assert [p["externalId"] for p in found] == ["P-2"]


def test_put_renaming_onto_an_existing_id_is_refused(sim: Sim) -> None:
    with sim.client() as api:
        api.post("/product", json={"product": product("P-1", name="One")})
        api.post("/product", json={"product": product("P-2", name="Two")})
        refused = api.put("/product/P-1", json={"product": product("P-2", name="One")})
        assert api.get("/product/P-1").json()["name"] == "One"
        assert api.get("/product/P-2").json()["name"] == "Two"
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "ID_NOTUNIQUE"


@pytest.mark.parametrize(("body", "named"), REFUSED[:12])
def test_put_refuses_what_the_reference_refuses(sim: Sim, body: Any, named: str) -> None:
    with sim.client() as api:
        refused = api.put("/product/P-100", json=body)
        assert api.get("/product/P-100").json()["name"] == "Rain jacket"
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert named in refused.json()["message"]


# ---- delete and get --------------------------------------------------------------------------


def test_delete_removes_the_product_and_a_second_delete_is_404(sim: Sim) -> None:
    with sim.client() as api:
        assert api.delete("/product/P-101").status_code == 204
        assert api.get("/product/P-101").status_code == 404
        again = api.delete("/product/P-101")
        found = api.get("/product/search", params={"MPSearchQuery": "sku=NW-WS-02"}).json()
    assert again.status_code == 404 and again.json()["errorType"] == "PRODUCT_NOTFOUND"
    assert found == []
    assert sim.table(
        "SELECT count(*) FROM product_terms t LEFT JOIN products p ON p.id = t.product_id "
        "WHERE p.id IS NULL"
    ) == [(0,)]


def test_get_answers_a_seeded_product_with_its_custom_properties(sim: Sim) -> None:
    with sim.client() as api:
        body = api.get("/product/P-100").json()
    assert body["name"] == "Rain jacket" and body["price"] == "8995"
    assert body["customProperties"]["color"] == "navy"
    assert len(body["specifications"]) == 2


def test_get_of_an_unknown_product_is_404_product_notfound(sim: Sim) -> None:
    with sim.client() as api:
        missing = api.get("/product/nope")
    assert missing.status_code == 404
    assert missing.json()["errorType"] == "PRODUCT_NOTFOUND"
    assert "'nope'" in missing.json()["message"]


def test_products_belong_to_one_account(sim: Sim) -> None:
    with sim.client("shared-webshop") as other, sim.client("crm") as crm:
        assert other.get("/product/P-100").status_code == 404
        assert other.post("/product", json={"product": product("P-100")}).status_code == 204
        assert crm.get("/product/P-100").json()["name"] == "Rain jacket"  # every key of demo
        assert other.get("/product/search", params={"MPSearchQuery": "color=navy"}).json() == []


# ---- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sku=NW-RJ-01", ["P-100"]),
        ("externalId=P-102", ["P-102"]),
        ("brand=Nordwind", ["P-100", "P-101"]),
        ("price=2995", ["P-101"]),
        ("price=02995", ["P-101"]),
        ("stock=LIMITED", ["P-102"]),
        ("visible=TRUE", ["P-100", "P-101", "P-102", "P-103"]),
        ("deleted=true", []),
        ("color=red", ["P-101", "P-103"]),  # a custom product property
        ("season = winter", ["P-101"]),
        ("name=Nothing like it", []),
    ],
)
def test_search_finds_exact_matches(sim: Sim, query: str, expected: list[str]) -> None:
    with sim.client() as api:
        response = api.get("/product/search", params={"MPSearchQuery": query})
    assert response.status_code == 200
    assert [p["externalId"] for p in response.json()] == expected


def test_search_pages_with_after_and_page_size(sim: Sim) -> None:
    query = {"MPSearchQuery": "visible=true", "pageSize": "3"}
    with sim.client() as api:
        first = api.get("/product/search", params=query).json()
        rest = api.get("/product/search", params={**query, "after": "3"}).json()
    assert [p["externalId"] for p in first + rest] == ["P-100", "P-101", "P-102", "P-103"]


def test_search_sees_changes_at_once(sim: Sim) -> None:
    with sim.client() as api:
        api.put(
            "/product/P-101", json={"product": product("P-101", customProperties={"color": "blue"})}
        )
        red = api.get("/product/search", params={"MPSearchQuery": "color=red"}).json()
        blue = api.get("/product/search", params={"MPSearchQuery": "color=blue"}).json()
    assert [p["externalId"] for p in red] == ["P-103"]
    assert [p["externalId"] for p in blue] == ["P-101"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "MPSearchQuery"),
        ({"MPSearchQuery": "nameRain jacket"}, "field=value"),
        ({"MPSearchQuery": "weight=3"}, "color"),  # lists the fields that can be searched
        ({"MPSearchQuery": "price=cheap"}, "cents"),
        ({"MPSearchQuery": "sku=x", "pageSize": "10001"}, "pageSize"),
    ],
)
def test_search_refuses_a_query_it_cannot_answer(
    sim: Sim, params: dict[str, str], named: str
) -> None:
    with sim.client() as api:
        refused = api.get("/product/search", params=params)
    assert refused.status_code == 400
    assert refused.json()["errorType"] == "INVALID_PARAMS"
    assert named in refused.json()["message"]


# ---- custom properties -----------------------------------------------------------------------


def test_custom_properties_list_the_accounts_definitions(sim: Sim) -> None:
    with sim.client() as api, sim.client("shared-webshop") as other:
        mine = api.get("/product/custom-properties/list")
        theirs = other.get("/product/custom-properties/list").json()
    assert mine.status_code == 200
    assert mine.json() == [{"name": "color"}, {"name": "material"}, {"name": "season"}]
    assert theirs == [{"name": "color"}, {"name": "season"}]


def test_an_account_without_custom_properties_lists_none_and_accepts_none(sim: Sim) -> None:
    with sim.admin() as admin:
        created = admin.post(
            "/accounts", json={"name": "bare", "authentications": [{"label": "shop"}]}
        ).json()
    auth = created["authentications"][0]
    with sim.signed(auth["key"], auth["secret"]) as api:
        assert api.get("/product/custom-properties/list").json() == []
        refused = api.post("/product", json={"product": product(customProperties={"color": "x"})})
    assert refused.json()["errorType"] == "INVALID_PROPERTY"
