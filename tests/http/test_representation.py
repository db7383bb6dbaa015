"""JSON or XML: the API answers XML unless the client asks for JSON, as the real one does.

Every answer here still passes the contract check, which reads XML answers back through the
schema of the operation and validates them like JSON ones.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from spotler_sim import contracts
from spotler_sim.http import xmldoc
from spotler_sim.http.representation import JSON, XML
from tests.plugins.simulator import Sim

READS = [
    ("getContact", "/contact/1001", {}),
    ("getProduct", "/product/P-100", {}),
    ("searchProducts", "/product/search", {"MPSearchQuery": "externalId=P-100"}),
    ("getProductProperties", "/product/custom-properties/list", {}),
    ("getContactProperties", "/contact/properties/list", {}),
    ("externalCampaignTriggers", "/campaign/list", {}),
    ("getForms", "/form/list", {}),
]


def parsed(operation_id: str, body: bytes) -> Any:
    schema = contracts.media_schema(operation_id, XML, 200)
    assert schema is not None
    return xmldoc.parse(body, schema)


def as_text(document: Any) -> Any:
    """A document as XML can carry it: every value text. Where the schema allows a number or a
    numeric string (prices) or any value (contact properties), XML cannot tell which was sent."""
    if isinstance(document, dict):
        return {k: as_text(v) for k, v in document.items() if v is not None}
    if isinstance(document, list):
        return [as_text(v) for v in document]
    if isinstance(document, bool):
        return "true" if document else "false"
    return str(document)


@pytest.mark.parametrize(("operation_id", "path", "params"), READS)
def test_xml_and_json_answers_hold_the_same_document(
    sim: Sim, operation_id: str, path: str, params: dict[str, str]
) -> None:
    with sim.client() as api:
        as_json = api.get(path, params=params)
        as_xml = api.get(path, params=params, headers={"Accept": XML})
    assert as_json.status_code == as_xml.status_code == 200
    assert as_json.headers["content-type"] == JSON
    assert as_xml.headers["content-type"] == XML
    assert as_text(parsed(operation_id, as_xml.content)) == as_text(as_json.json())


@pytest.mark.parametrize("accept", [None, "*/*", "text/html", XML])
def test_a_client_that_does_not_ask_for_json_gets_xml(sim: Sim, accept: str | None) -> None:
    with sim.client() as api:
        api.headers.pop("Accept", None)
        headers = {"Accept": accept} if accept else {}
        response = api.get("/contact/1001", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == XML
    contact = ET.fromstring(response.content)
    assert contact.tag == "contact" and contact.findtext("externalId") == "1001"


@pytest.mark.parametrize("accept", [JSON, f"{JSON}, */*;q=0.5", f"{XML};q=0.5, {JSON}"])
def test_a_client_that_prefers_json_gets_json(sim: Sim, accept: str) -> None:
    with sim.client() as api:
        response = api.get("/contact/1001", headers={"Accept": accept})
    assert response.headers["content-type"] == JSON
    assert response.json()["externalId"] == "1001"


def test_errors_come_in_the_representation_of_the_answers(sim: Sim) -> None:
    with sim.client() as api:
        missing = api.get("/contact/nobody", headers={"Accept": XML})
        refused_write = api.put(
            "/contact/nobody", json={"contact": {"externalId": "nobody"}}, headers={"Accept": XML}
        )
    with sim.signed("demo-webshop", "wrong") as api:
        api.headers.pop("Accept")
        unsigned = api.get("/product/P-100")
    for response, status, error_type in [
        (missing, 404, "CONTACT_NOT_FOUND"),
        (refused_write, 404, "CONTACT_NOT_FOUND"),
        (unsigned, 401, "NOT_AUTHORIZED"),
    ]:
        assert response.status_code == status and response.headers["content-type"] == XML
        error = ET.fromstring(response.content)
        assert error.tag == "errorResponse" and error.findtext("errorType") == error_type
        assert error.findtext("message")


def test_the_json_only_operations_answer_json_whatever_is_asked(sim: Sim) -> None:
    with sim.client() as api:
        api.headers.pop("Accept")
        updates = api.get(
            "/contact/updates/list",
            params={"fromDate": "2026-01-01T00:00:00", "toDate": "2026-01-02T00:00:00"},
        )
        batch = api.post("/contact/list", json=[], headers={"Accept": XML})
    assert updates.status_code == 200 and updates.headers["content-type"] == JSON
    assert "contacts" in updates.json()
    assert batch.headers["content-type"] == JSON


def test_outside_the_api_answers_stay_json(sim: Sim) -> None:
    with sim.raw() as raw:
        raw.headers.pop("Accept")
        unknown = raw.get("/integrationservice-1.1.0/no/such/thing")
        admin = raw.get("/__admin/accounts")
    assert unknown.status_code == 404 and unknown.json()["errorType"] == "RESOURCE_NOT_FOUND"
    assert admin.status_code == 200 and admin.headers["content-type"] == JSON


def test_lists_wrap_items_named_after_their_kind(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get(
            "/product/search", params={"MPSearchQuery": "externalId=P-100"}, headers={"Accept": XML}
        )
    products = ET.fromstring(response.content)
    assert products.tag == "products"
    assert [(p.tag, p.findtext("externalId")) for p in products] == [("product", "P-100")]
