"""schemathesis over every operation, against a live two-worker simulator over real HTTP."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from spotler_sim import contracts
from spotler_sim.testing.contract_test import STATEFUL, Report, operation_filter, probe, render, run
from tests.plugins.simulator import API, DEMO_KEYS, LiveServer, serving

KEY, SECRET = DEMO_KEYS["webshop"]


# Examples per operation: 15 in make test; make fuzz asks for more through the environment,
# with the least number of requests the whole run must check, and a file to keep its report in.
CONTRACT_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "15"))
CONTRACT_MIN_CASES = int(os.environ.get("CONTRACT_MIN_CASES", "0"))
CONTRACT_REPORT = os.environ.get("CONTRACT_REPORT")


def report_text(report: Report) -> str:
    console = Console(record=True, width=200, file=io.StringIO())
    render(report, console)
    return console.export_text()


def contract_test(base_url: str, *options: str) -> subprocess.CompletedProcess[str]:
    """``spotler-sim contract-test`` as a user runs it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "spotler_sim.cli",
            "contract-test",
            "--base-url",
            base_url,
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_operation_and_linked_sequence_conforms(live_server: LiveServer) -> None:
    report = run(
        live_server.base + API,
        KEY,
        SECRET,
        max_examples=CONTRACT_EXAMPLES,
        allow_writes=True,
        seed=None if CONTRACT_EXAMPLES > 15 else 20261123,  # make fuzz: new examples each run
    )
    if CONTRACT_REPORT:
        Path(CONTRACT_REPORT).write_text(report_text(report))
    assert report.passed, report_text(report)
    assert report.cases >= CONTRACT_MIN_CASES, report_text(report)
    ran = {r.operation_id for r in report.results}
    assert ran == set(contracts.operations()) | {STATEFUL}
    assert all(r.examples > 0 for r in report.results)
    stateful = next(r for r in report.results if r.operation_id == STATEFUL)
    assert stateful.examples > 0 and stateful.statuses.get(200, 0) > 0


def test_the_command_reports_a_table_and_exits_zero(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log") as server:
        done = contract_test(
            server.base + API,
            *("--key", KEY, "--secret", SECRET),
            *("--operations", "getContactProperties", "--max-examples", "3"),
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "getContactProperties" in done.stdout and "PASS" in done.stdout
    assert "read-only" in done.stdout


def test_a_wrong_secret_fails_with_the_refusals_in_the_report(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log") as server:
        done = contract_test(
            server.base + API,
            *("--key", KEY, "--secret", "wrong"),
            *("--operations", "getContact*", "--max-examples", "2"),
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL" in done.stdout and "401x2" in done.stdout
    assert "Key and Secret were refused" in done.stdout and "NOT_AUTHORIZED" in done.stdout
    assert "reproduce: curl -X GET -H 'Authorization: <signed>' http://127.0.0.1:" in done.stdout


def test_usage_errors_exit_2_and_say_what_to_do(tmp_path: Path) -> None:
    keys = ("--key", KEY, "--secret", SECRET)
    with serving(tmp_path / "serve.log") as server:
        no_prefix = contract_test(server.base, *keys)
        bad_pattern = contract_test(server.base + API, *keys, "--operations", "get(")
    assert no_prefix.returncode == 2
    assert "must include the API's prefix" in no_prefix.stdout
    assert bad_pattern.returncode == 2 and "^get(Contact|Form)" in bad_pattern.stdout
    nobody = contract_test("http://127.0.0.1:9/integrationservice-1.1.0", *keys)
    assert nobody.returncode == 2 and "spotler-sim serve" in nobody.stdout
    no_scheme = contract_test("127.0.0.1:8080/integrationservice-1.1.0", *keys)
    assert no_scheme.returncode == 2 and "write it in full" in no_scheme.stdout


def test_probe_accepts_both_prefixes(live_server: LiveServer) -> None:
    assert probe(live_server.base + API, KEY, SECRET) is None
    assert probe(live_server.base + "/integrationservice/", KEY, SECRET) is None


@pytest.mark.parametrize(
    ("pattern", "chosen"),
    [
        ("getContact*", {"getContact", "getContactProperties"}),
        ("/contact/*/list", {"getUpdatedContactsJson", "getBouncedContactsJson"}),
        ("^(insert|update)Contact$", {"insertContact", "updateContact"}),
        ("Contacts", {"insertContacts", "addContactsAudience", "removeContactsAudience"}),
    ],
)
def test_operations_are_chosen_by_glob_or_regex(pattern: str, chosen: set[str]) -> None:
    matches = operation_filter(pattern)
    found = {op.operation_id for op in contracts.operations().values() if matches(*_names(op))}
    assert chosen <= found
    if pattern.startswith("^") or pattern.startswith("getContact"):
        assert found == chosen


def _names(op: contracts.Operation) -> tuple[str, str]:
    return op.operation_id, op.path
