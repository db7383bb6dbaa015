"""How to test a connector with spotler-sim's pytest fixtures (installed with spotler-sim).

`spotler_sim` gives each test a live simulator account (base_url, key, secret) and controls for
its clock and visibility lag; `spotler_contract` checks traffic against the Spotler contract.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from shop_connector import changed_contacts, push_customer

from simulator.pytest_plugin import SpotlerContract, SpotlerSim

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def test_a_pushed_customer_reads_back_as_a_contact(spotler_sim: SpotlerSim) -> None:
    with spotler_sim.client() as api:
        push_customer(api, {"id": 7, "email": "ann@example.com", "first_name": "Ann"})
        push_customer(api, {"id": 7, "email": "ann@example.com", "first_name": "Anne"})
        contact = api.get("/contact/7").json()
    assert contact["properties"]["firstName"] == "Anne"


def test_the_poller_sees_a_late_change_in_its_next_window(spotler_sim: SpotlerSim) -> None:
    spotler_sim.freeze_clock(NOW.isoformat())
    spotler_sim.set_lag(5 * 60)  # changes show five minutes after they happen
    with spotler_sim.client() as api:
        push_customer(api, {"id": 8, "email": "bo@example.com", "first_name": "Bo"})
        since = NOW - timedelta(hours=1)
        first, since = changed_contacts(api, since, NOW)
        spotler_sim.advance_clock(15 * 60)
        second, since = changed_contacts(api, since, NOW + timedelta(minutes=15))
    assert [c["externalId"] for c in first + second] == ["8"]


def test_the_contract_catches_a_request_spotler_would_refuse(
    spotler_contract: SpotlerContract,
) -> None:
    url = "http://127.0.0.1/integrationservice-1.1.0/contact"
    spotler_contract.check_request("POST", url, b'{"contact": {"externalId": "1"}}')
    with pytest.raises(spotler_contract.Violation, match="externalId"):
        spotler_contract.check_request("POST", url, b'{"contact": {}}')
