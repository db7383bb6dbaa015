"""Contract tests with schemathesis against any base URL: the simulator, or the real API.

Every operation of ``contracts/openapi.yaml`` gets generated requests, each signed with OAuth
1.0a, and every answer is checked: no server error, a documented status code, a documented
content type, a body that fits the documented schema. With writes allowed, the operations that
change data run too, and the contract's OpenAPI links drive stateful sequences (insert a contact,
then read, update and anonymize it). Read-only by default, so it is safe against a real account.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from spotler_sim import contracts

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
STATEFUL = "stateful (OpenAPI links)"
PROBE = "getContactProperties"  # a read without parameters: is the base URL the API at all?
# Health checks about generation speed and size: a network round trip per example makes them
# fire without anything being wrong with the contract or the strategies.
HEALTH_CHECKS_THAT_DO_NOT_APPLY = [
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
]
_REGEX_ONLY = re.compile(r"[\^$()|+\\{}]|\.[*+?]")


class SignRequests(AuthBase):
    """Two-legged OAuth 1.0a HMAC-SHA1 over the final URL (query included), no token.

    A new oauthlib client per request means a fresh nonce and timestamp every time: the server
    refuses a nonce it has seen.
    """

    def __init__(self, key: str, secret: str) -> None:
        self.key, self.secret = key, secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        signer = OAuthClient(
            self.key, client_secret=self.secret, signature_method=SIGNATURE_HMAC_SHA1
        )
        _, headers, _ = signer.sign(str(request.url), str(request.method))  # type: ignore[arg-type]
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
    method: str
    path: str
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)  # one per distinct failure

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}".strip()

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

    @property
    def cases(self) -> int:
        """Requests sent and checked, over every operation and the linked sequences."""
        return sum(r.examples for r in self.results)


def operation_filter(pattern: str | None) -> Callable[[str, str], bool]:
    """Whether an (operationId, path) is chosen by ``pattern``: a glob such as ``get*`` or
    ``/contact/*``, or else a regular expression searched for (``^get(Contact|Form)``, or a plain
    part of a name). Raises ValueError, saying what to write instead, for a broken expression."""
    if not pattern:
        return lambda op_id, path: True
    if any(c in pattern for c in "*?[") and not _REGEX_ONLY.search(pattern):
        return lambda op_id, path: any(fnmatch.fnmatchcase(s, pattern) for s in (op_id, path))
    try:
        expression = re.compile(pattern)
    except re.error as exc:
        raise ValueError(
            f"--operations {pattern!r} is not a glob nor a valid regular expression ({exc}): "
            "write e.g. 'getContact*' or '^get(Contact|Form)'"
        ) from None
    return lambda op_id, path: bool(expression.search(op_id) or expression.search(path))


def _curl(case: Any, base_url: str) -> str:
    command: str = case.as_curl_command(headers={"Authorization": "<signed>"}, base_url=base_url)
    return command


def _load_schema() -> Any:
    # An explicit config: no schemathesis.toml found on disk changes what runs. Sanitizing is
    # off so that the curl lines show our "<signed>" placeholder rather than "[Filtered]".
    schema = schemathesis.openapi.from_dict(
        copy.deepcopy(contracts.document()), config=SchemathesisConfig()
    )
    schema.config.output.sanitization.update(enabled=False)
    return schema


def probe(base_url: str, key: str, secret: str) -> str | None:
    """None when ``base_url`` answers like the API; else what is wrong and what to do next."""
    example = "e.g. http://127.0.0.1:8080/integrationservice-1.1.0"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{base_url!r} is not an http(s) URL with a host: write it in full, {example}"
    url = base_url.rstrip("/") + contracts.operations()[PROBE].path
    try:
        answer = requests.get(url, auth=SignRequests(key, secret), timeout=10)
    except requests.Timeout:
        return f"{url} did not answer within 10 seconds: check that the server is up and not stuck"
    except (requests.RequestException, ValueError) as exc:
        reason = "nothing answers there" if isinstance(exc, requests.ConnectionError) else exc
        return (
            f"Cannot reach {base_url}: {reason}. Start the simulator (spotler-sim serve) or check "
            f"the URL, {example}"
        )
    if answer.status_code == 404:
        return (
            f"{url} answered 404: the base URL must include the API's prefix, {example} "
            "(the older /integrationservice works too)"
        )
    return None


class _Runner:
    def __init__(self, base_url: str, key: str, secret: str, settings: hypothesis.settings) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = SignRequests(key, secret)
        self.session = requests.Session()
        # Answers in JSON, whose schemas are checked: without it the API answers XML, as the
        # reference does, and the answers' schemas would go unchecked.
        self.session.headers["Accept"] = "application/json"
        self.settings = settings

    def exchange(self, case: Any, result: OperationResult) -> Any:
        """Send one case, check the answer, and record what failed (without stopping)."""
        try:
            response = case.call(base_url=self.base_url, session=self.session, auth=self.auth)
        except (requests.RequestException, ValueError) as exc:  # ValueError: oauthlib refused
            result.findings.setdefault(
                "transport",
                Finding(
                    "transport",
                    f"the request could not be sent or answered: {exc}",
                    _curl(case, self.base_url),
                ),
            )
            return None
        result.examples += 1
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        if response.status_code == 401:
            result.findings.setdefault(
                "not authorized",
                Finding(
                    "not authorized",
                    f"the Key and Secret were refused: {response.text[:300].strip()} Check them, and the "
                    "machine's clock (signatures carry a timestamp).",
                    _curl(case, self.base_url),
                ),
            )
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

    def operation(self, operation: Any, seed: int | None) -> OperationResult:
        result = OperationResult(
            operation.definition.raw["operationId"], operation.method.upper(), operation.path
        )

        @hypothesis.given(case=operation.as_strategy())
        @self.settings
        def explore(case: Any) -> None:
            self.exchange(case, result)

        self._guarded(explore if seed is None else hypothesis.seed(seed)(explore), result)
        return result

    def stateful(self, schema: Any, seed: int | None, notes: list[str]) -> OperationResult:
        result = OperationResult(STATEFUL, "", "linked sequences")
        runner = self

        class Machine(schema.as_state_machine()):  # type: ignore[misc]
            def call(self, case: Any, **kwargs: Any) -> Any:
                response = runner.exchange(case, result)
                if response is None:
                    raise _Stopped  # no answer to follow links from; exchange() recorded why
                return response

            def validate_response(self, response: Any, case: Any, *args: Any, **kw: Any) -> None:
                return None  # exchange() has checked and recorded it

        def sequences() -> None:
            try:
                Machine.run(settings=self.settings)
            except hypothesis.errors.FlakyStrategyDefinition:
                # Links take their values from answers, and a stateful server answers a replayed
                # sequence differently (the audience it created exists now): hypothesis stops.
                # Every call made was checked; the exploration just ended early.
                notes.append(
                    f"linked sequences ended after {result.examples} calls: replaying a sequence "
                    f"met a server whose state had moved on (not a failure of the API)"
                )

        if seed is not None:
            hypothesis.seed(seed)(Machine.TestCase)
        self._guarded(sequences, result)
        return result

    @staticmethod
    def _guarded(test: Callable[[], None], result: OperationResult) -> None:
        """Run a hypothesis test; if it stops early, say so as a finding instead of crashing."""
        try:
            test()
        except _Stopped:
            pass
        except Exception as exc:  # the report must still be written
            result.findings.setdefault(
                "stopped",
                Finding(
                    "stopped",
                    f"the test run stopped early: {type(exc).__name__}: {exc}. Rerun with "
                    "--operations naming this operation to see it alone.",
                    "",
                ),
            )


class _Stopped(Exception):
    """A stateful step got no answer."""


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
    """Run the contract tests and answer a report; progress goes to ``console`` (stderr).

    ``operations`` is a glob or regular expression on operationId or path (see
    ``operation_filter``); ``seed`` makes the generated examples reproducible.
    """
    chosen_by = operation_filter(operations)
    schema = _load_schema()
    settings = hypothesis.settings(
        max_examples=max_examples,
        deadline=None,  # a network round trip has no meaningful deadline
        database=None,  # no .hypothesis folder in the user's working directory
        suppress_health_check=HEALTH_CHECKS_THAT_DO_NOT_APPLY,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking calls
    )
    runner = _Runner(base_url, key, secret, settings)
    chosen = []
    for found in schema.get_all_operations():
        operation = found.ok()
        if not chosen_by(operation.definition.raw["operationId"], operation.path):
            continue
        if operation.method.upper() != "GET" and not allow_writes:
            continue
        chosen.append(operation)
    report = Report(base_url, [])
    if not allow_writes:
        report.notes.append(
            "read-only: operations that write were skipped, and so were the linked sequences "
            "(add --allow-writes, never on a real account you care about)"
        )
    links = allow_writes and _has_links(contracts.document())
    if allow_writes and not links:
        report.notes.append("the contract has no OpenAPI links: no stateful sequences to run")
    elif links and operations:
        report.notes.append("linked sequences run only without --operations")
    stateful = links and not operations
    console = console or Console(stderr=True)
    with runner.session, Progress(console=console, transient=True) as progress:
        task = progress.add_task("contract tests", total=len(chosen) + int(stateful))
        for operation in chosen:
            progress.update(task, description=operation.label)
            report.results.append(runner.operation(operation, seed))
            progress.advance(task)
        if stateful:
            progress.update(task, description="linked sequences (OpenAPI links)")
            report.results.append(runner.stateful(schema, seed, report.notes))
            progress.advance(task)
    return report


def _has_links(document: dict[str, Any]) -> bool:
    return any(
        "links" in contracts.resolve(response)
        for item in document["paths"].values()
        for method, op in item.items()
        if method in contracts.HTTP_METHODS
        for response in op.get("responses", {}).values()
    )


def render(report: Report, console: Console | None = None) -> None:
    """A table per operation, then every distinct failure with a request that reproduces it."""
    console = console or Console(highlight=False, soft_wrap=True)
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
    console.print(f"{report.cases:,} requests checked across {len(report.results)} operations")
    for note in report.notes:
        console.print(f"note: {note}")
    for r in report.results:
        for finding in r.findings.values():
            console.print(f"\n[bold red]{r.operation_id}[/bold red] {r.label}: {finding.check}")
            console.print(finding.message.strip(), markup=False)
            if finding.reproduce:
                console.print(f"reproduce: {finding.reproduce}", markup=False)
    failed = sum(1 for r in report.results if not r.passed)
    if not report.results:
        console.print("[red]no operation matched: check --operations (a glob or a regex)[/red]")
    elif failed:
        console.print(
            f"\n[red]{failed} of {len(report.results)} failed.[/red] Each failure above has a "
            "curl line to reproduce it (sign it with your Key and Secret)."
        )
    else:
        console.print(f"\n[green]all {len(report.results)} passed[/green]")
