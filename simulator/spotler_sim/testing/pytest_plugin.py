"""pytest fixtures for testing a Spotler connector against spotler-sim (loaded through pytest11).

Installing spotler-sim makes two fixtures available in any project:

``spotler_sim``
    A live simulator (real HTTP on 127.0.0.1, a free port, one per test session) and a fresh
    account of its own for each test: ``base_url``, ``key`` and ``secret`` to configure the
    connector with; ``faults.add(...)`` to make calls fail, ``clock.freeze/advance(...)``,
    ``journal.count(...)``/``journal.assert_called(...)`` to see what reached the simulator,
    ``snapshot()`` for the account's whole state, and helpers to seed contacts, record
    bounces and set the visibility lag. Faults and the clock are put back after each test.
    ``verdicts.list()``/``verdicts.assert_none()`` say what the simulator judged the test's
    calls to have done wrong (docs/verdicts.md); ``--spotler-verdicts`` fails every test whose
    calls drew an error verdict.
``spotler_contract``
    Checks any request/response pair against the Spotler contract; ``hook`` plugs it into an
    httpx client so every answer your connector receives is checked.

At the end of a session that used ``spotler_sim``, pytest's summary shows what the tests' calls
met per operation and the failure modes they never met; ``--spotler-report=PATH`` writes the
full report to PATH.json and a self-contained PATH.html.

Override the ``spotler_sim_account`` fixture to give the test account other ID fields, dedup
rules or properties (see ``contracts/admin.yaml``, schema ``AccountDefinition``).
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from spotler_sim.config import API_PREFIXES
from spotler_sim.domain import exposure
from spotler_sim.domain.faults import rule_document
from spotler_sim.testing import exposure as exposure_files
from spotler_sim.testing.admin_client import AdminClient
from spotler_sim.testing.contract_check import (
    ContractViolation,
    check_exchange,
    check_request,
    check_response,
)
from spotler_sim.testing.server import Server, serving

API = API_PREFIXES[0]
ID_FIELD = "externalCustomerId"


# ---- one account per test ------------------------------------------------------------------


# Effect options a test may write in snake case; the admin API spells them in camel case.
_EFFECT_NAMES = {"error_type": "errorType", "retry_after": "retryAfter", "max_ms": "maxMs"}


class Faults:
    """Fault rules for this test's account; every rule added here is removed after the test."""

    def __init__(self, admin: AdminClient, account: str) -> None:
        self._admin = admin
        self._account = account
        self._added: list[int] = []

    def add(
        self,
        effect: str,
        *,
        method: str | None = None,
        path: str | None = None,
        label: str | None = None,
        probability: float | None = None,
        seed: int | None = None,
        first: int | None = None,
        after: int | None = None,
        window: tuple[str, str] | None = None,
        **options: Any,
    ) -> int:
        """Add a rule and return its id, e.g. ``add("status", status=503, path="/contact")``.

        ``effect`` is one of status, rateLimit, latency, hang, reset, malformed, lostResponse;
        ``options`` are the effect's settings (status, error_type, message, retry_after, ms,
        max_ms, seconds). The rule only matches calls made with this test's account.
        """
        rule = rule_document(
            {"type": effect, **{_EFFECT_NAMES.get(k, k): v for k, v in options.items()}},
            {"account": self._account, "method": method, "path": path, "label": label},
            window,
            probability=probability,
            seed=seed,
            first=first,
            after=after,
        )
        fault_id = int(self._admin.add_fault(rule)["id"])
        self._added.append(fault_id)
        return fault_id

    def list(self) -> list[dict[str, Any]]:
        """This test's rules, with how often each matched and fired."""
        return [f for f in self._admin.faults() if f["id"] in self._added]

    def remove(self, fault_id: int) -> None:
        self._admin.remove_fault(fault_id)
        self._added.remove(fault_id)

    def clear(self) -> None:
        for fault_id in list(self._added):
            self.remove(fault_id)


class Clock:
    """The simulator's clock (shared by every account: set back to real time after the test)."""

    def __init__(self, admin: AdminClient) -> None:
        self._admin = admin

    def freeze(self, at: str | datetime) -> None:
        """Stop the clock at an instant: ``datetime`` or ISO 8601 such as 2026-11-02T12:00:00Z."""
        self._admin.set_clock({"frozenAt": at.isoformat() if isinstance(at, datetime) else at})

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0) -> None:
        self._admin.advance_clock(seconds + 60 * minutes + 3600 * hours)

    def offset(self, seconds: float) -> None:
        """Run with the wall clock, shifted by ``seconds``."""
        self._admin.set_clock({"offsetSeconds": seconds})

    def real(self) -> None:
        self._admin.set_clock({"mode": "real"})

    def now(self) -> datetime:
        """The simulated time."""
        return datetime.fromtimestamp(self.now_ms() / 1000, UTC)

    def now_ms(self) -> int:
        return int(self._admin.clock()["nowMs"])


class Journal:
    """The calls this test's account made, newest first."""

    def __init__(self, admin: AdminClient, account: str) -> None:
        self._admin = admin
        self._account = account

    def entries(
        self, method: str | None = None, path: str | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Journal entries; ``path`` may be a glob (``/contact/*``); other filters: status,
        operation, label, fault (a rule id or "any"), since, until."""
        __tracebackhide__ = True  # a failure shows the test's line, not the plugin's
        found: list[dict[str, Any]] = []
        while True:
            page = self._admin.requests(
                account=self._account, method=method, path=path, after=len(found),
                pageSize=1000, **filters,
            )  # fmt: skip
            found += page["requests"]
            if len(page["requests"]) < 1000:
                return found

    def count(self, method: str | None = None, path: str | None = None, **filters: Any) -> int:
        __tracebackhide__ = True
        return self._admin.count(account=self._account, method=method, path=path, **filters)

    def assert_called(
        self, method: str, path: str, *, times: int | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """Fail unless ``method path`` reached the simulator (``times`` times, if given);
        the message lists what did arrive. Returns the matching entries, newest first."""
        __tracebackhide__ = True
        matching = self.entries(method, path, **filters)
        if (times is None and matching) or (times is not None and len(matching) == times):
            return matching
        expected = "at least once" if times is None else f"{times} time(s)"
        seen = "\n".join(
            f"  {e['method']} {e['path']} -> {e['status'] or 'dropped'}"
            + (f" (fault {e['fault']} {e['faultEffect']})" if e["fault"] else "")
            for e in reversed(self.entries()[:50])
        )
        raise AssertionError(
            f"expected {method} {path} {expected} with {filters or 'no other filter'}, "
            f"found {len(matching)}; the calls that arrived, oldest first:\n{seen or '  none'}"
        )


class Verdicts:
    """What the simulator judged this test's calls to have done wrong (see docs/verdicts.md)."""

    def __init__(self, admin: AdminClient, account: str) -> None:
        self._admin = admin
        self._account = account

    def list(
        self, rule: str | None = None, severity: str | None = None, **filters: Any
    ) -> list[dict[str, Any]]:
        """The verdicts on this test's calls, oldest first; filters: rule, severity, label,
        since."""
        return self._admin.verdicts(account=self._account, rule=rule, severity=severity, **filters)

    def assert_none(self, severity: str | None = None, **filters: Any) -> None:
        """Fail when this test's calls drew a verdict (of ``severity``, if given); the message
        says what each one was and what to do instead."""
        found = self.list(severity=severity, **filters)
        if found:
            raise AssertionError(describe_verdicts(found))


def describe_verdicts(verdicts: list[dict[str, Any]]) -> str:
    lines = [f"the calls drew {len(verdicts)} verdict(s):"]
    for v in verdicts:
        where = f" on {v['entityKey']}" if v["entityKey"] else ""
        calls = ", ".join(f"#{i}" for i in v["calls"])
        lines.append(f"  {v['severity']} {v['rule']}{where} (calls {calls}): {v['message']}")
    return "\n".join(lines)


@dataclass
class SpotlerSim:
    """A fresh account on a live simulator, and the controls a connector test needs."""

    server: Server
    account: str
    key: str
    secret: str
    id_field: str = ID_FIELD
    _clients: list[httpx.Client] = field(default_factory=list)
    _exposures: list[dict[str, Any]] | None = None  # where close() leaves this test's exposure

    def __post_init__(self) -> None:
        self.admin = AdminClient(self.server.base)
        self.faults = Faults(self.admin, self.account)
        self.clock = Clock(self.admin)
        self.journal = Journal(self.admin, self.account)
        self.verdicts = Verdicts(self.admin, self.account)

    @property
    def base_url(self) -> str:
        """The API base URL to configure your connector with."""
        return self.server.base + API

    def client(self, *, checked: bool = True, **options: Any) -> httpx.Client:
        """An httpx client signed with this account's Key; answers are contract-checked."""
        hooks = {"response": [check_exchange]} if checked else {}
        made = self.server.signed(self.key, self.secret, event_hooks=hooks, **options)
        self._clients.append(made)
        return made

    def seed_contacts(self, *contacts: dict[str, Any]) -> None:
        """Add contacts directly: each ``{"externalId": ..., "properties": {...}}``."""
        seeds = [
            {"ids": {self.id_field: str(c["externalId"])}, "properties": c.get("properties", {})}
            for c in contacts
        ]
        self.admin.seed_contacts(self.account, seeds)

    def add_bounce(self, external_id: str, kind: str = "HARDBOUNCE", at: str | None = None) -> None:
        """Record a bounce of a contact (now, or at an ISO instant)."""
        bounce: dict[str, Any] = {"idField": self.id_field, "externalId": external_id, "type": kind}
        if at is not None:
            bounce["date"] = at
        self.admin.add_bounce(self.account, bounce)

    def set_lag(self, seconds: float) -> None:
        """Changes show in the updates/bounces lists ``seconds`` after they happen."""
        lag = {"mode": "fixed", "seconds": seconds} if seconds else {"mode": "none"}
        self.admin.patch_account(self.account, {"visibilityLag": lag})

    def set_rate_limit(self, limit: int | None, window_seconds: float = 60, **options: Any) -> None:
        """At most ``limit`` calls in any ``window_seconds``; ``None`` removes the limit.
        Options: scope ("account" or "authentication"), costs ({operationId: n}),
        concurrency, headers (as admin.yaml's ``RateLimit`` has them)."""
        rate = {"limit": limit, "windowSeconds": window_seconds, **options} if limit else None
        self.admin.patch_account(self.account, {"rateLimit": rate})

    def snapshot(self) -> dict[str, Any]:
        """This account as a fixture document: settings, keys, contacts, bounces."""
        [account] = self.admin.snapshot(self.account)["accounts"]
        return dict(account)

    def exposure(self) -> dict[str, Any]:
        """What this test's calls met, per operation, and the failure modes they never met."""
        return self.admin.exposure(self.account)

    def close(self) -> None:
        for made in self._clients:
            made.close()
        if self._exposures is not None:  # before the faults go: a window rule counts meanwhile
            self._exposures.append(self.exposure())
        self.faults.clear()
        self.clock.real()
        self.admin.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spotler-sim")
    group.addoption(
        "--spotler-report",
        metavar="PATH",
        help="write what the connector's tests met to PATH.json and a self-contained PATH.html",
    )
    group.addoption(
        "--spotler-verdicts",
        action="store_true",
        help="fail every test whose calls to spotler-sim drew an error verdict",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.when != "call" or not report.passed:
        return
    if not item.config.getoption("--spotler-verdicts", default=False):
        return
    sim = getattr(item, "funcargs", {}).get("spotler_sim")
    if not isinstance(sim, SpotlerSim):
        return
    errors = sim.verdicts.list(severity="error")
    if errors:
        report.outcome = "failed"
        report.longrepr = describe_verdicts(errors) + "\n(--spotler-verdicts is on)"


EXPOSURES = pytest.StashKey[list[dict[str, Any]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[EXPOSURES] = []


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """A short table of what the tests' calls met; the full report in files when asked."""
    found = config.stash.get(EXPOSURES, [])
    if not found:
        return
    report = exposure.merge(found)
    terminalreporter.section("spotler-sim: what the connector's tests met")
    terminalreporter.write(
        exposure_files.text(report, width=max(terminalreporter._tw.fullwidth, 100))
    )
    path = config.getoption("--spotler-report", default=None)
    if path:
        as_json, as_html = exposure_files.write(report, path)
        terminalreporter.write_line(f"full report: {as_json} and {as_html}")


@pytest.fixture(scope="session")
def spotler_sim_server() -> Iterator[Server]:
    """One simulator for the whole session, without the demo accounts."""
    with tempfile.TemporaryDirectory(prefix="spotler-sim-pytest-") as folder:
        db = str(Path(folder) / "state.db")
        with serving(Path(folder) / "serve.log", "--no-fixture", "--db", db) as server:
            yield server


@pytest.fixture
def spotler_sim_account() -> dict[str, Any]:
    """The definition of each test's account (override it to change fields, rules, properties)."""
    return {
        "idFields": [ID_FIELD],
        "dedupRules": [["email"], ["externalId"]],
    }


@pytest.fixture
def spotler_sim(
    spotler_sim_server: Server, spotler_sim_account: dict[str, Any], request: pytest.FixtureRequest
) -> Iterator[SpotlerSim]:
    """A fresh, isolated account on the session's simulator."""
    name = f"test-{secrets.token_hex(4)}"
    key, secret = f"{name}-key", secrets.token_urlsafe(16)
    id_field = spotler_sim_account.get("idFields", [ID_FIELD])[0]
    definition = {
        "name": name,
        "authentications": [
            {"label": "connector", "key": key, "secret": secret, "idField": id_field}
        ],
        **spotler_sim_account,
    }
    with AdminClient(spotler_sim_server.base) as admin:
        admin.create_account(definition)
    sim = SpotlerSim(
        spotler_sim_server, name, key, secret, id_field,
        _exposures=request.config.stash.get(EXPOSURES, None),
    )  # fmt: skip
    yield sim
    sim.close()


# ---- the contract --------------------------------------------------------------------------


class SpotlerContract:
    """Checks exchanges with the Spotler API against the contract; raises ContractViolation."""

    Violation = ContractViolation

    @staticmethod
    def check(response: httpx.Response) -> None:
        """Check an httpx response and its request."""
        check_exchange(response)

    hook = check  # for httpx.Client(event_hooks={"response": [contract.hook]})

    @staticmethod
    def check_request(
        method: str, url: str, body: bytes | None = None, content_type: str | None = None
    ) -> None:
        check_request(method, url, body, content_type)

    @staticmethod
    def check_response(
        method: str, url: str, status: int, body: bytes = b"", content_type: str | None = None
    ) -> None:
        check_response(method, url, status, content_type, body)


@pytest.fixture
def spotler_contract() -> SpotlerContract:
    return SpotlerContract()
