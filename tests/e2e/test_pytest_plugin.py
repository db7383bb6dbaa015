"""The ``spotler_sim`` fixture as another project uses it: a test file run by its own pytest."""

from __future__ import annotations

import pytest

CONNECTOR_TESTS = """
from datetime import UTC, datetime


def test_faults_clock_journal_snapshot(spotler_sim):
    rule = spotler_sim.faults.add("status", status=503, path="/contact/*", method="GET", first=1)
    [listed] = spotler_sim.faults.list()
    assert listed["id"] == rule and listed["match"]["account"] == spotler_sim.account
    with spotler_sim.client() as api:
        assert api.get("/contact/nobody").status_code == 503  # faulted: not contract-checked
        assert api.get("/contact/nobody").status_code == 404
        api.post("/contact", json={"contact": {"externalId": "1",
                                               "properties": {"email": "a@example.com"}}})
    assert spotler_sim.journal.count("GET", "/contact/*") == 2
    assert spotler_sim.journal.count(fault="any") == 1
    [entry] = spotler_sim.journal.assert_called("POST", "/contact", times=1)
    assert entry["status"] == 204

    spotler_sim.clock.freeze(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    spotler_sim.clock.advance(minutes=90)
    assert spotler_sim.clock.now() == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

    snapshot = spotler_sim.snapshot()
    assert [c["properties"]["email"] for c in snapshot["contacts"]] == ["a@example.com"]


def test_faults_and_clock_are_put_back_after_each_test(spotler_sim):
    assert spotler_sim.admin.faults() == []
    assert spotler_sim.admin.clock()["mode"] == "real"


def test_assert_called_says_what_arrived(spotler_sim):
    with spotler_sim.client() as api:
        api.get("/contact/someone")
    spotler_sim.journal.assert_called("PUT", "/contact/someone")
"""


def test_the_fixture_in_a_connector_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_connector=CONNECTOR_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected PUT /contact/someone at least once*found 0*",
            "*GET /contact/someone -> 404*",
        ]
    )
