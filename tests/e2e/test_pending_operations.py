"""Operations whose data the simulator does not keep yet answer honestly and by the contract."""

from __future__ import annotations

import pytest

from tests.plugins.simulator import Sim

AUDIENCE = {"externalId": "A-1", "name": "Recent buyers"}


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
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
        ("GET", "/audience/A-1", None),
        ("POST", "/audience", AUDIENCE),
        ("DELETE", "/templist/T-1", None),
        ("GET", "/mailing/abc/statistics", None),
        ("GET", "/campaign-mailing/abc", None),
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
        response = api.post("/audience", json={"externalId": "A-1"})
        bad_query = api.get("/form/list", params={"formState": "published"})
    assert response.status_code == 400 and "name" in response.json()["message"]
    assert bad_query.status_code == 400 and "formState" in bad_query.json()["message"]
