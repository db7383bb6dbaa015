"""The exchange checker is as strict about JSON as a JSON client: no NaN, no Infinity."""

from __future__ import annotations

import pytest

from spotler_sim.testing.contract_check import ContractViolation, check_request, check_response

URL = "http://127.0.0.1/integrationservice-1.1.0"


def test_an_answer_with_nan_is_not_json() -> None:
    body = b'[{"name": "totalSpent", "description": NaN, "type": "money"}]'
    with pytest.raises(ContractViolation, match="not JSON"):
        check_response("GET", URL + "/contact/properties/list", 200, "application/json", body)
    check_response(
        "GET",
        URL + "/contact/properties/list",
        200,
        "application/json",
        body.replace(b"NaN", b'"x"'),
    )


def test_a_request_with_infinity_is_not_json() -> None:
    body = b'{"contact": {"externalId": "1", "properties": {"totalSpent": Infinity}}}'
    with pytest.raises(ContractViolation, match="Infinity is not a JSON value"):
        check_request("POST", URL + "/contact", body)
