"""How to test a connector with spotler-sim's pytest fixtures (installed with spotler-sim).

`spotler_sim` gives each test a live simulator account (base_url, key, secret) and controls for
faults, the clock, the visibility lag and the journal of calls that arrived; `spotler_contract`
checks traffic against the Spotler contract.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from shop_connector import changed_contacts, push_customer

from spotler_sim.testing.pytest_plugin import SpotlerContract, SpotlerSim

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_a_pushed_customer_reads_back_as_a_contact(spotler_sim: SpotlerSim) -> None:
    with spotler_sim.client() as api:
        push_customer(api, {"id": 7, "email": "ann@example.com", "first_name": "Ann"})
        push_customer(api, {"id": 7, "email": "ann@example.com", "first_name": "Anne"})
        contact = api.get("/contact/7").json()
    assert contact["properties"]["firstName"] == "Anne"


def test_a_push_survives_two_failures(spotler_sim: SpotlerSim) -> None:
    spotler_sim.faults.add("status", status=503, path="/contact", method="POST", first=2)
    with spotler_sim.client() as api:
        push_customer(api, {"id": 9, "email": "cy@example.com", "first_name": "Cy"})
        assert api.get("/contact/9").status_code == 200
    spotler_sim.journal.assert_called("POST", "/contact", times=3)
    assert spotler_sim.journal.count(fault="any") == 2


def test_a_lost_response_does_not_make_a_duplicate(spotler_sim: SpotlerSim) -> None:
    spotler_sim.faults.add("lostResponse", path="/contact", first=1)
    with spotler_sim.client() as api:
        push_customer(api, {"id": 10, "email": "di@example.com", "first_name": "Di"})
    [stored] = spotler_sim.snapshot()["contacts"]
    assert stored["properties"]["email"] == "di@example.com"


def test_the_poller_sees_a_late_change_in_its_next_window(spotler_sim: SpotlerSim) -> None:
    spotler_sim.clock.freeze(NOW)
    spotler_sim.set_lag(5 * 60)  # changes show five minutes after they happen
    with spotler_sim.client() as api:
        push_customer(api, {"id": 8, "email": "bo@example.com", "first_name": "Bo"})
        since = NOW - timedelta(hours=1)
        first, since = changed_contacts(api, since, NOW)
        spotler_sim.clock.advance(minutes=15)
        second, since = changed_contacts(api, since, NOW + timedelta(minutes=15))
    assert [c["externalId"] for c in first + second] == ["8"]


def test_the_contract_catches_a_request_spotler_would_refuse(
    spotler_contract: SpotlerContract,
) -> None:
    url = "http://127.0.0.1/integrationservice-1.1.0/contact"
    spotler_contract.check_request("POST", url, b'{"contact": {"externalId": "1"}}')
    with pytest.raises(spotler_contract.Violation, match="externalId"):
        spotler_contract.check_request("POST", url, b'{"contact": {}}')
