"""Contract tests with schemathesis against any base URL: the simulator, or the real API.

Every operation of ``contracts/openapi.yaml`` gets generated requests, each signed with OAuth
1.0a, and every answer is checked: no server error, a documented status code, a documented
content type, a body that fits the documented schema. With writes allowed, the operations that
change data run too, and the contract's OpenAPI links drive stateful sequences (insert a contact,
then read, update and anonymize it). Read-only by default, so it is safe against a real account.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1
from oauthlib.oauth1 import Client as OAuthClient
from requests.auth import AuthBase
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import contracts

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
STATEFUL = "stateful (OpenAPI links)"


class SignRequests(AuthBase):
    """Two-legged OAuth 1.0a HMAC-SHA1 over the final URL, a fresh nonce for every request."""

    def __init__(self, key: str, secret: str) -> None:
        self.key, self.secret = key, secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        signer = OAuthClient(
            self.key, client_secret=self.secret, signature_method=SIGNATURE_HMAC_SHA1
        )
        _, headers, _ = signer.sign(str(request.url), str(request.method))
        request.headers["Authorization"] = headers["Authorization"]
        return request


@dataclass
class Finding:
    check: str
    message: str
    reproduce: str  # a curl command; the signature is shown as <signed>


@dataclass
class OperationResult:
    operation_id: str
    label: str  # METHOD /path
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)  # one per distinct failure

    @property
    def passed(self) -> bool:
        return not self.findings


@dataclass
class Report:
    base_url: str
    results: list[OperationResult]
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)


def _selected(op_id: str, path: str, pattern: str | None) -> bool:
    if not pattern:
        return True
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(op_id, pattern) or fnmatch.fnmatchcase(path, pattern)
    return pattern in op_id or pattern in path


def _curl(case: Any, base_url: str) -> str:
    command: str = case.as_curl_command(headers={"Authorization": "<signed>"}, base_url=base_url)
    return command


class _Runner:
    def __init__(
        self, base_url: str, key: str, secret: str, settings: hypothesis.settings, seed: int | None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.seed = seed
        self.auth = SignRequests(key, secret)
        self.session = requests.Session()
        self.settings = settings

    def exchange(self, case: Any, result: OperationResult) -> Any:
        """Send one case, check the answer, and record what failed (without stopping)."""
        try:
            response = case.call(base_url=self.base_url, session=self.session, auth=self.auth)
        except requests.RequestException as exc:
            result.findings.setdefault(
                "transport", Finding("transport", str(exc), _curl(case, self.base_url))
            )
            return None
        result.examples += 1
        if response.status_code == 401:
            result.findings.setdefault(
                "not authorized",
                Finding(
                    "not authorized",
                    f"the Key and Secret were refused: {response.text[:300]} Check them, and the "
                    "machine's clock (signatures carry a timestamp).",
                    _curl(case, self.base_url),
                ),
            )
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:
            failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
            for failure in failures:
                key = f"{failure.title}: {failure.message[:120]}"
                result.findings.setdefault(
                    key, Finding(failure.title, failure.message, _curl(case, self.base_url))
                )
        return response

    def operation(self, operation: Any) -> OperationResult:
        result = OperationResult(operation.definition.raw["operationId"], operation.label)

        @hypothesis.given(case=operation.as_strategy())
        @self.settings
        def explore(case: Any) -> None:
            self.exchange(case, result)

        (hypothesis.seed(self.seed)(explore) if self.seed is not None else explore)()
        return result

    def stateful(self, schema: Any) -> OperationResult:
        result = OperationResult(STATEFUL, "linked sequences")
        runner = self

        class Machine(schema.as_state_machine()):  # type: ignore[misc]
            def call(self, case: Any, **kwargs: Any) -> Any:
                return runner.exchange(case, result)

            def validate_response(self, response: Any, case: Any, *args: Any, **kw: Any) -> None:
                return None  # exchange() has checked and recorded it

        if self.seed is not None:
            hypothesis.seed(self.seed)(Machine.TestCase)
        Machine.run(settings=self.settings)
        return result


def run(
    base_url: str,
    key: str,
    secret: str,
    *,
    max_examples: int = 20,
    operations: str | None = None,
    allow_writes: bool = False,
    seed: int | None = None,
    console: Console | None = None,
) -> Report:
    """Run the contract tests and answer a report; progress goes to ``console`` (stderr)."""
    schema = schemathesis.openapi.from_dict(contracts.document())
    settings = hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    runner = _Runner(base_url, key, secret, settings, seed)
    chosen = []
    for found in schema.get_all_operations():
        operation = found.ok()
        op_id = operation.definition.raw["operationId"]
        if not _selected(op_id, operation.path, operations):
            continue
        if operation.method.upper() != "GET" and not allow_writes:
            continue
        chosen.append(operation)
    report = Report(base_url, [])
    if not allow_writes:
        report.notes.append("read-only: operations that write were skipped (use --allow-writes)")
    console = console or Console(stderr=True)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("contract tests", total=len(chosen))
        for operation in chosen:
            progress.update(task, description=operation.label)
            report.results.append(runner.operation(operation))
            progress.advance(task)
    if allow_writes and not operations:
        if _has_links(contracts.document()):
            report.results.append(runner.stateful(schema))
        else:
            report.notes.append("the contract has no OpenAPI links: stateful sequences skipped")
    return report


def _has_links(document: dict[str, Any]) -> bool:
    return any(
        "links" in contracts.resolve(response)
        for item in document["paths"].values()
        for method, op in item.items()
        if method in contracts.HTTP_METHODS
        for response in op.get("responses", {}).values()
    )


def render(report: Report, console: Console) -> None:
    """A table per operation, then every distinct failure with a request that reproduces it."""
    table = Table(title=f"Contract tests against {report.base_url}")
    for column, justify in (
        ("operation", "left"),
        ("request", "left"),
        ("examples", "right"),
        ("statuses", "left"),
        ("failures", "right"),
        ("result", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for r in report.results:
        statuses = " ".join(f"{code}x{n}" for code, n in sorted(r.statuses.items()))
        verdict = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
        table.add_row(
            r.operation_id, r.label, str(r.examples), statuses, str(len(r.findings)), verdict
        )
    console.print(table)
    for note in report.notes:
        console.print(f"note: {note}")
    for r in report.results:
        for finding in r.findings.values():
            console.print(f"\n[bold red]{r.operation_id}[/bold red] {finding.check}")
            console.print(finding.message.strip())
            console.print(f"reproduce: {finding.reproduce}")
    failed = sum(1 for r in report.results if not r.passed)
    if not report.results:
        console.print("[red]no operation matched: check --operations[/red]")
    elif failed:
        console.print(f"\n[red]{failed} of {len(report.results)} failed[/red]")
    else:
        console.print(f"\n[green]all {len(report.results)} passed[/green]")
