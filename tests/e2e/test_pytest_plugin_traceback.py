"""A failing ``journal.assert_called`` shows the connector test's line, not the plugin's insides."""

from __future__ import annotations

import pytest

FAILING = """
def test_a_call_that_never_came(spotler_sim):
    spotler_sim.journal.assert_called("PUT", "/contact/someone")
"""


def test_assert_called_hides_the_plugin_from_the_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_connector=FAILING)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--tb=long")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "expected PUT /contact/someone at least once" in out
    result.stdout.fnmatch_lines(["test_connector.py:*: AssertionError"])
    assert "pytest_plugin.py" not in out, out
