"""Every status the reference lists for an operation is met somewhere in the suite.

The contract marks, per operation, the statuses the vendor's description lists
(``x-reference-statuses``); the success status is required too. Every answer a test client
receives (in-process or from a live server) is recorded as (operationId, status), answers that
an injected fault shaped aside. At the end of a whole run (``make test``: no paths, no ``-k``
or ``-m``) a pair that no test met fails the run, with a table of what is missing.
"""

from __future__ import annotations

import httpx
import pytest

from spotler_sim import contracts
from spotler_sim.config import FAULT_HEADER
from spotler_sim.testing.contract_check import operation_for

SEEN: set[tuple[str, int]] = set()


def record(response: httpx.Response) -> None:
    """An httpx response hook: note which operation answered with which status."""
    found = operation_for(response.request.method, response.request.url.path)
    if found is not None and FAULT_HEADER not in response.headers:
        SEEN.add((found[0].operation_id, response.status_code))


def required() -> set[tuple[str, int]]:
    """(operationId, status) for each status the reference lists and each success status."""
    pairs: set[tuple[str, int]] = set()
    for item in contracts.document()["paths"].values():
        for method, node in item.items():
            if method not in contracts.HTTP_METHODS:
                continue
            success = min(int(s) for s in node["responses"] if s.startswith("2"))
            listed = set(node.get("x-reference-statuses", [])) | {success}
            pairs |= {(node["operationId"], status) for status in listed}
    return pairs


def _whole_run(config: pytest.Config) -> bool:
    return (
        config.args_source == pytest.Config.ArgsSource.TESTPATHS
        and not config.option.keyword
        and not config.option.markexpr
        and not getattr(config.option, "lf", False)
        and not config.option.collectonly
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus != 0 or not _whole_run(session.config):
        return
    missing = sorted(required() - SEEN)
    if not missing:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "statuses of the reference that no test met", red=True)
        for operation_id, status in missing:
            reporter.write_line(f"  {operation_id:<40} {status}")
        reporter.write_line(
            "Add a test that meets each of them (see tests/plugins/coverage.py), or correct "
            "x-reference-statuses in contracts/openapi.yaml if the reference does not list it."
        )
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
