"""Fault effects around a call in process (the pipeline's traffic step); served ones are in tests/e2e."""

from __future__ import annotations

import pytest

from tests.plugins.simulator import Sim


@pytest.mark.in_process  # served, a reset really resets (tests/e2e/test_faults_and_journal.py)
def test_in_process_servers_say_they_cannot_reset(sim: Sim) -> None:
    with sim.admin() as admin_client:
        created = admin_client.post("/faults", json={"effect": {"type": "reset"}})
    assert created.status_code == 201, created.text
    with sim.client(checked=False) as client:
        answer = client.get("/contact/1001")
    assert answer.status_code == 503
    assert "spotler-sim serve" in answer.json()["message"]
