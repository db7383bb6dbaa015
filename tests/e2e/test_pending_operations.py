"""Operations whose data the simulator does not keep yet answer honestly and by the contract."""

from __future__ import annotations

import pytest

from tests.plugins.simulator import Sim

PRODUCT = {
    "update": True,
    "product": {
        "externalId": "P-1",
        "name": "Rain jacket",
        "link": "https://shop.example/p/1",
        "price": "8995",
        "imageUrl": "https://shop.example/i/1.jpg",
        "imageLargeUrl": "https://shop.example/i/1-large.jpg",
    },
}


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/product/search", {"MPSearchQuery": "name=jacket"}, []),
        ("/product/custom-properties/list", {}, []),
        ("/campaign/list", {}, []),
        ("/form/list", {"formState": "final"}, []),
        ("/templist", {}, []),
        ("/mailing", {"fromDate": "2026-01-01", "toDate": "2026-02-01"}, []),
        ("/trend-report", {"after": "5"}, {"paging": {"after": 5}, "trendReports": []}),
        ("/mailing-interaction/sent", {}, {"paging": {"after": 0}, "interactions": []}),
    ],
)
def test_a_listing_answers_empty(
    sim: Sim, path: str, params: dict[str, str], expected: object
) -> None:
    with sim.client() as api:
        response = api.get(path, params=params)
    assert response.status_code == 200
    assert response.json() == expected


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/product/P-1", None),
        ("POST", "/product", PRODUCT),
        ("DELETE", "/order/O-1", None),
        ("GET", "/mailing/abc/statistics", None),
        ("POST", "/campaign/trigger/abc", {"externalContactId": "1001"}),
    ],
)
def test_anything_naming_a_resource_is_a_clear_404_and_stores_nothing(
    sim: Sim, method: str, path: str, body: object
) -> None:
    before = sim.table("SELECT count(*) FROM contacts")
    with sim.client() as api:
        response = api.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json()["errorType"] == "RESOURCE_NOT_FOUND"
    assert "nothing was stored" in response.json()["message"]
    assert sim.table("SELECT count(*) FROM contacts") == before


def test_pending_operations_still_validate_their_input(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post("/product", json={"product": {"externalId": "P-1"}})
        missing_query = api.get("/product/search")
    assert response.status_code == 400 and "name" in response.json()["message"]
    assert missing_query.status_code == 400 and "MPSearchQuery" in missing_query.json()["message"]
