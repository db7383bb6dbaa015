"""``spotler_sim.verdicts`` and ``--spotler-verdicts`` as a connector project uses them."""

from __future__ import annotations

import pytest

CONNECTOR_TESTS = """
import pytest

BAD = {"contact": {"externalId": "1", "properties": {"email": "not-an-address"}}}
GOOD = {"contact": {"externalId": "2", "properties": {"email": "two@example.com"}}}


def test_a_naive_retry_is_listed(spotler_sim):
    with spotler_sim.client(checked=False) as api:
        api.post("/contact", json=BAD)
        api.post("/contact", json=BAD)
    [verdict] = spotler_sim.verdicts.list()
    assert verdict["rule"] == "retried-permanent-error"
    assert spotler_sim.verdicts.list(severity="warning") == []
    with pytest.raises(AssertionError, match="retried-permanent-error on contact 1"):
        spotler_sim.verdicts.assert_none()


def test_a_careful_connector_draws_none(spotler_sim):
    with spotler_sim.client() as api:
        assert api.post("/contact", json=GOOD).status_code == 204
    spotler_sim.verdicts.assert_none()


def test_an_error_verdict_fails_the_test_with_the_option(spotler_sim):
    with spotler_sim.client(checked=False) as api:
        api.post("/contact", json=BAD)
        api.post("/contact", json=BAD)
"""


def test_verdicts_in_a_connector_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_connector=CONNECTOR_TESTS)
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    plain.assert_outcomes(passed=3)
    gated = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "--spotler-verdicts")
    # the first test drew the same verdict (and checked it): the option fails it too
    gated.assert_outcomes(passed=1, failed=2)
    gated.stdout.fnmatch_lines(
        [
            "*the calls drew 1 verdict(s):*",
            "*error retried-permanent-error on contact 1 (calls #*, #*): sent insertContact again*",
            "*--spotler-verdicts is on*",
        ]
    )
