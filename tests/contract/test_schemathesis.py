"""schemathesis over every operation, against a live two-worker simulator over real HTTP."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from simulator.contract_test import render, run
from tests.plugins.simulator import API, DEMO_KEYS, LiveServer, serving

KEY, SECRET = DEMO_KEYS["webshop"]


def report_text(report) -> str:  # type: ignore[no-untyped-def]
    console = Console(record=True, width=200, file=io.StringIO())
    render(report, console)
    return console.export_text()


def test_every_operation_and_linked_sequence_conforms(live_server: LiveServer) -> None:
    report = run(
        live_server.base + API, KEY, SECRET, max_examples=15, allow_writes=True, seed=20261123
    )
    assert report.passed, report_text(report)
    ran = {r.operation_id for r in report.results}
    assert len(ran) == 67  # 66 operations and the stateful sequences
    stateful = next(r for r in report.results if r.operation_id == "stateful (OpenAPI links)")
    assert stateful.examples > 0 and stateful.statuses.get(200, 0) > 0


def test_the_command_reports_a_table_and_exits_zero(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log") as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator.cli",
                "contract-test",
                "--base-url",
                server.base + API,
                "--key",
                KEY,
                "--secret",
                SECRET,
                "--operations",
                "getContactProperties",
                "--max-examples",
                "3",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "getContactProperties" in done.stdout and "PASS" in done.stdout
    assert "read-only" in done.stdout


def test_a_wrong_secret_fails_with_the_refusals_in_the_report(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log") as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator.cli",
                "contract-test",
                "--base-url",
                server.base + API,
                "--key",
                KEY,
                "--secret",
                "wrong",
                "--operations",
                "getContact*",
                "--max-examples",
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1
    assert "FAIL" in done.stdout and "Key and Secret were refused" in done.stdout
    assert "reproduce: curl" in done.stdout
