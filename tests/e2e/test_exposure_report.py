"""What a connector's tests met: the pytest plugin's summary and report files for a sample
connector's test run, and the same report from ``spotler-sim exposure``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving

CONNECTOR_TESTS = """
BAD = {"contact": {"externalId": "1", "properties": {"email": "not-an-address"}}}
GOOD = {"contact": {"externalId": "2", "properties": {"email": "two@example.com"}}}


def test_a_push(spotler_sim):
    with spotler_sim.client() as api:
        assert api.post("/contact", json=GOOD).status_code == 204


def test_a_push_during_maintenance(spotler_sim):
    spotler_sim.clock.freeze("2026-11-02T02:10:00Z")
    spotler_sim.faults.add("status", status=503, window=("2026-11-02T02:00:00Z",
                                                         "2026-11-02T02:30:00Z"))
    with spotler_sim.client(checked=False) as api:
        assert api.post("/contact", json=GOOD).status_code == 503


def test_a_naive_retry(spotler_sim):
    with spotler_sim.client(checked=False) as api:
        api.post("/contact", json=BAD)
        api.post("/contact", json=BAD)
"""


def test_the_report_of_a_sample_connectors_test_run(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile(test_connector=CONNECTOR_TESTS)
    report = tmp_path / "out" / "exposure"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-q", f"--spotler-report={report}"
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*spotler-sim: what the connector's tests met*",
            "*What the connector's calls met (4 calls)*",
            "*insertContact*4*204*BACKEND_EXCEPTION*status*retried-permanent-error*",
            "*400 x2*INVALID_PROPERTY x2*",
            "*503*",
            "never met a 429 with Retry-After: give the account a rateLimit*",
            "never met a lost response on an insert: faults.add('lostResponse'*",
            "never met a visibility lag on the updates or bounces list*",
            "1 verdict(s), 1 of them errors",
            f"full report: {report}.json and {report}.html",
        ]
    )
    assert "never met a maintenance window" not in result.stdout.str()
    document = json.loads(report.with_suffix(".json").read_text())
    assert document["calls"] == 4 and len(document["accounts"]) == 3
    assert document["met"]["maintenance"] == 1 and document["met"]["permanent-4xx"] == 2
    [verdict] = document["verdicts"]
    assert verdict["rule"] == "retried-permanent-error"
    page = report.with_suffix(".html").read_text()
    assert "<code>insertContact</code>" in page and "retried-permanent-error" in page
    assert "src=" not in page and "href=" not in page  # nothing to fetch: it opens anywhere


def test_the_cli_prints_and_writes_the_report_of_any_account(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log") as live:
        _naive_calls(live)
        cli = [sys.executable, "-m", "spotler_sim.cli", "exposure", "--url", live.base]
        env = {**os.environ, "COLUMNS": "200"}
        done = subprocess.run(
            [*cli, "--account", "demo", "--report", str(tmp_path / "demo.html")],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "getContact" in done.stdout and "429" in done.stdout
        assert "never met a lost response on an insert" in done.stdout
        assert "never met a 429" not in done.stdout
        assert f"report written to {tmp_path / 'demo.json'}" in done.stdout
        with AdminClient(live.base) as admin:
            assert json.loads((tmp_path / "demo.json").read_text()) == admin.exposure("demo")
        missing = subprocess.run(
            [*cli, "--account", "nobody"], capture_output=True, text=True, env=env, check=False
        )
        assert missing.returncode == 1 and "no account named 'nobody'" in missing.stdout


def _naive_calls(live: LiveServer) -> None:
    with AdminClient(live.base) as admin:
        admin.add_fault({"first": 1, "effect": {"type": "rateLimit", "retryAfter": 60}})
    with live.server.signed(*DEMO_KEYS["webshop"]) as api:
        assert api.get("/contact/nobody").status_code == 429
        assert api.get("/contact/nobody").status_code == 404
