"""pytest fixtures for testing a Spotler connector against spotler-sim (loaded through pytest11).

Installing spotler-sim makes two fixtures available in any project:

``spotler_sim``
    A live simulator (real HTTP on 127.0.0.1, a free port, one per test session) and a fresh
    account of its own for each test: ``base_url``, ``key`` and ``secret`` to configure the
    connector with, and helpers to seed contacts, record bounces, set the visibility lag and
    move the simulated clock.
``spotler_contract``
    Checks any request/response pair against the Spotler contract; ``hook`` plugs it into an
    httpx client so every answer your connector receives is checked.

Override the ``spotler_sim_account`` fixture to give the test account other ID fields, dedup
rules or properties (see ``contracts/admin.yaml``, schema ``AccountDefinition``).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from client.auth import OAuth1Auth
from simulator.config import API_PREFIXES
from simulator.contract_check import (
    ContractViolation,
    check_exchange,
    check_request,
    check_response,
)

API = API_PREFIXES[0]
ID_FIELD = "externalCustomerId"
STANDARD_PROPERTIES: list[dict[str, Any]] = [
    {"name": "email", "type": "email", "description": "E-mail address"},
    {"name": "firstName", "type": "string", "description": "First name"},
    {"name": "lastName", "type": "string", "description": "Last name"},
    {"name": "gender", "type": "gender", "description": "Gender (M or F)"},
    {"name": "birthday", "type": "birthdate", "description": "Date of birth"},
    {"name": "city", "type": "string", "description": "City"},
    {"name": "postalCode", "type": "postcode", "description": "Postcode"},
    {"name": "mobile", "type": "mobNr", "description": "Mobile number"},
    {
        "name": "permissions",
        "type": "set",
        "description": "Permissions",
        "entries": [
            {"bit": 1, "description": "Nieuwsbrief", "rank": 1},
            {"bit": 2, "description": "Aanbiedingen", "rank": 2},
        ],
    },
]


# ---- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running ``spotler-sim serve``."""

    base: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[str]
    log: Path

    @property
    def banner(self) -> str:
        return self.log.read_text()

    def signed(self, key: str, secret: str, **options: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base + API, auth=OAuth1Auth(key, secret), **options)


@contextmanager
def serving(log: Path, *options: str, start_timeout: float = 30) -> Iterator[Server]:
    """Start ``spotler-sim serve`` on a free port with ``options``; stop it on exit."""
    port = free_port()
    command = [sys.executable, "-m", "simulator.cli", "serve", "--port", str(port), *options]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, text=True, env=env
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout
    while True:
        try:
            if httpx.get(base + "/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"spotler-sim serve did not start:\n{log.read_text()}")
        time.sleep(0.1)
    try:
        yield Server(base, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


# ---- one account per test ------------------------------------------------------------------


@dataclass
class SpotlerSim:
    """A fresh account on a live simulator, and the controls a connector test needs."""

    server: Server
    account: str
    key: str
    secret: str
    id_field: str = ID_FIELD
    _clients: list[httpx.Client] = field(default_factory=list)

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

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.server.base}/__admin{path}", json=body)
        if response.status_code >= 400:
            raise AssertionError(
                f"admin call {method} {path} failed ({response.status_code}): {response.text}"
            )
        return response.json() if response.content else None

    def seed_contacts(self, *contacts: dict[str, Any]) -> None:
        """Add contacts directly: each ``{"externalId": ..., "properties": {...}}``."""
        seeds = [
            {"ids": {self.id_field: str(c["externalId"])}, "properties": c.get("properties", {})}
            for c in contacts
        ]
        self._admin("POST", f"/accounts/{self.account}/contacts", seeds)

    def add_bounce(self, external_id: str, kind: str = "HARDBOUNCE", at: str | None = None) -> None:
        """Record a bounce of a contact (now, or at an ISO instant)."""
        bounce: dict[str, Any] = {"idField": self.id_field, "externalId": external_id, "type": kind}
        if at is not None:
            bounce["date"] = at
        self._admin("POST", f"/accounts/{self.account}/bounces", bounce)

    def set_lag(self, seconds: float) -> None:
        """Changes show in the updates/bounces lists ``seconds`` after they happen."""
        lag = {"mode": "fixed", "seconds": seconds} if seconds else {"mode": "none"}
        self._admin("PATCH", f"/accounts/{self.account}", {"visibilityLag": lag})

    def freeze_clock(self, at: str) -> None:
        """Stop the simulated clock at an ISO 8601 instant, e.g. ``2026-11-02T12:00:00Z``."""
        self._admin("PUT", "/clock", {"frozenAt": at})

    def advance_clock(self, seconds: float) -> None:
        self._admin("POST", "/clock/advance", {"seconds": seconds})

    def real_clock(self) -> None:
        self._admin("PUT", "/clock", {"mode": "real"})

    def now_ms(self) -> int:
        """The simulated time, in epoch milliseconds."""
        return int(self._admin("GET", "/clock")["nowMs"])

    def close(self) -> None:
        for made in self._clients:
            made.close()
        self.real_clock()


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
        "properties": STANDARD_PROPERTIES,
    }


@pytest.fixture
def spotler_sim(
    spotler_sim_server: Server, spotler_sim_account: dict[str, Any]
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
    created = httpx.post(f"{spotler_sim_server.base}/__admin/accounts", json=definition)
    if created.status_code != 201:
        raise AssertionError(f"could not create the test account: {created.text}")
    sim = SpotlerSim(spotler_sim_server, name, key, secret, id_field)
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
