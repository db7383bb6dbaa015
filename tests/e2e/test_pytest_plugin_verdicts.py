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


def test_a_rate_limit_for_the_test(spotler_sim):
    spotler_sim.set_rate_limit(1, 60, headers=True)
    with spotler_sim.client(checked=False) as api:
        assert api.get("/contact/2").headers["RateLimit-Remaining"] == "0"
        assert api.get("/contact/3").status_code == 429
    spotler_sim.set_rate_limit(None)
    with spotler_sim.client(checked=False) as api:
        assert api.get("/contact/4").status_code == 404  # not /contact/3: that waits 60 s


def test_an_error_verdict_fails_the_test_with_the_option(spotler_sim):
    with spotler_sim.client(checked=False) as api:
        api.post("/contact", json=BAD)
        api.post("/contact", json=BAD)
"""


def test_verdicts_in_a_connector_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_connector=CONNECTOR_TESTS)
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    plain.assert_outcomes(passed=4)
    gated = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "--spotler-verdicts")
    # the first test drew the same verdict (and checked it): the option fails it too
    gated.assert_outcomes(passed=2, failed=2)
    gated.stdout.fnmatch_lines(
        [
            "*the calls drew 1 verdict(s):*",
            "*error retried-permanent-error on contact 1 (calls #*, #*): sent insertContact again*",
            "*--spotler-verdicts is on*",
        ]
    )
