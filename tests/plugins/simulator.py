"""Simulator fixtures: the demo simulator with signed httpx clients, and live gunicorn servers.

``sim`` is an in-process app; with ``--server-mode`` (or ``SPOTLER_SIM_SERVER=1``) the same tests
talk to ``spotler-sim serve --workers 2`` over HTTP instead, as moto's server mode does. Either
way one simulator serves the whole session and is put back to the demo fixture before each test.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from spotler_sim.app import create_app
from spotler_sim.config import ADMIN_WRITE_HEADER, DEFAULT_FIXTURE, Config
from spotler_sim.fixtures.load import load_fixture_file
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.retired import retired_accounts
from spotler_sim.testing.contract_check import check_exchange as check
from spotler_sim.testing.server import Server
from spotler_sim.testing.server import serving as plugin_serving
from spotler_sim.testing.signing import OAuth1Auth
from tests.plugins.coverage import record

DEMO_KEYS = {
    "webshop": ("demo-webshop", "demo-webshop-secret"),
    "crm": ("demo-crm", "demo-crm-secret"),
    "shared-webshop": ("shared-webshop", "shared-webshop-secret"),
    "shared-crm": ("shared-crm", "shared-crm-secret"),
}
HOST = "http://127.0.0.1:8080"
API = "/integrationservice-1.1.0"
# What current connectors send; without it the API answers XML (see simulator/representation.py).
JSON = {"Accept": "application/json"}
# What the CLI sends on every admin call, so that a body-less POST is no cross-site forgery.
ADMIN_CALLER = {ADMIN_WRITE_HEADER: "1"}


SERVER_MODE_ENV = "SPOTLER_SIM_SERVER"
# Seconds a served call may take on a busy machine (a seed of 9,000 contacts); in process no call
# waits on a socket.
SERVED_TIMEOUT = 60
# Seconds a served simulator's sweep of retired rows gets before a reset copies pages over them.
SWEEP_GRACE = 5


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--server-mode",
        action="store_true",
        default=os.environ.get(SERVER_MODE_ENV) == "1",
        help="the sim fixture talks to `spotler-sim serve --workers 2` over HTTP instead of an "
        f"in-process app (also {SERVER_MODE_ENV}=1); tests marked in_process are left out",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "in_process: needs the in-process app itself; left out with --server-mode"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("server_mode"):
        return
    left_out = [item for item in items if item.get_closest_marker("in_process")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("in_process")]


@dataclass
class Sim:
    """The demo simulator (in process, or served) and helpers to call it.

    ``state`` opens the simulator's own SQLite file, so a test may look at (or break) what is
    stored in either mode.
    """

    state: State
    base: str
    new_transport: Callable[[], httpx.BaseTransport]

    @classmethod
    def in_process(cls, state: State, app: Any) -> Sim:
        """A simulator of one Flask app, called through a WSGI transport."""
        transport = httpx.WSGITransport(app=app)
        return cls(state, HOST, lambda: transport)

    @property
    def transport(self) -> httpx.BaseTransport:
        """A transport to the simulator (a client closes its transport when it closes)."""
        return self.new_transport()

    def client(
        self, who: str = "webshop", *, prefix: str = API, checked: bool = True
    ) -> httpx.Client:
        """A client signed with a demo Key; its answers are checked against the contract."""
        return self.signed(*DEMO_KEYS[who], prefix=prefix, checked=checked)

    def signed(
        self, key: str, secret: str, *, prefix: str = API, checked: bool = False
    ) -> httpx.Client:
        """A client signed with any Key, asking for JSON as current connectors do."""
        return httpx.Client(
            transport=self.transport,
            base_url=self.base + prefix,
            timeout=SERVED_TIMEOUT,
            auth=OAuth1Auth(key, secret),
            event_hooks={"response": [record, check] if checked else [record]},
            headers=JSON,
        )

    def raw(self) -> httpx.Client:
        """No signature, no contract check: for refusals."""
        return httpx.Client(
            transport=self.transport,
            base_url=self.base,
            timeout=SERVED_TIMEOUT,
            headers=JSON,
            event_hooks={"response": [record]},
        )

    def admin(self) -> httpx.Client:
        return httpx.Client(
            transport=self.transport,
            base_url=self.base + "/__admin",
            headers=ADMIN_CALLER,
            timeout=SERVED_TIMEOUT,
        )

    def snapshot(self, account: str = "demo") -> dict[str, Any]:
        """One account as the admin snapshot shows it (a fixture document entry)."""
        with self.admin() as admin:
            response = admin.get("/snapshot", params={"account": account})
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()["accounts"][0]
        return found

    def freeze(self, at: str) -> None:
        """Stop the simulated clock at an ISO instant."""
        with self.admin() as admin:
            response = admin.put("/clock", json={"frozenAt": at})
        assert response.status_code == 200, response.text

    def get(self, path: str, who: str = "webshop", **params: Any) -> Any:
        """The JSON of a successful GET (a 200 is asserted)."""
        with self.client(who) as api:
            response = api.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def refused(self, path: str, status: int, error_type: str, **params: Any) -> str:
        """The message of a GET refused with ``status`` and ``error_type`` (both asserted)."""
        with self.client() as api:
            response = api.get(path, params=params)
        assert response.status_code == status, response.text
        assert response.json()["errorType"] == error_type
        message: str = response.json()["message"]
        return message

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward."""
        with self.admin() as admin:
            response = admin.post("/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text

    def table(self, sql: str) -> list[tuple[object, ...]]:
        with self.state.db.read() as conn:
            return [tuple(row) for row in conn.execute(sql)]


class Pristine:
    """One simulator and one database for a whole session, put back to the demo fixture on demand.

    Building the Flask app (or starting a server) and loading the demo cost most of a test; both
    happen once. Everything the simulator keeps (accounts, contacts, clock, fault rules and their
    counters, the journal, nonces, even the schema) lives in the SQLite file, so copying the
    pristine pages back over it with SQLite's backup API (a millisecond) is a complete reset, in
    this process and in every served worker alike.
    """

    def __init__(
        self,
        state: State,
        base: str,
        new_transport: Callable[[], httpx.BaseTransport],
        *,
        served: bool,
    ) -> None:
        self.state = state
        self.served = served
        self.base = base
        self.new_transport = new_transport
        self._wall_ms = self.state.wall_ms
        self._pages = sqlite3.connect(":memory:")
        self._connection().backup(self._pages)

    def _connection(self) -> sqlite3.Connection:
        with self.state.db.read() as conn:
            return conn

    def sim(self) -> Sim:
        return Sim(self.state, self.base, self.new_transport)

    def reset(self) -> None:
        self.state.wall_ms = self._wall_ms  # in case a test swapped the wall clock
        self._wait_for_the_sweep()
        self._pages.backup(self._connection())

    def _wait_for_the_sweep(self) -> None:
        """A large account reset or deleted leaves a thread sweeping its rows; pages restored
        under a sweep still running would lose the rows of the account that has the retired id
        again. Rows left retired with no sweep running are harmless: the restore wipes them."""
        if not self.served:  # the app's own sweeper: wait for its thread to end
            assert self.state.sweeper.join(timeout=60), "the retired-rows sweep did not end"
            return
        # A worker's thread cannot be joined from here: wait until the retired rows are gone, or
        # a while (a sweep can be lost and never come: deleting a large account kicks its sweeper
        # inside the transaction, whose snapshot the new thread does not see yet).
        deadline = time.monotonic() + SWEEP_GRACE
        while time.monotonic() < deadline:
            with self.state.db.read() as conn:
                if not retired_accounts(conn):
                    return
            time.sleep(0.01)

    def dump(self) -> list[str]:
        """Every statement that rebuilds the database as it is now (for proving a reset whole)."""
        return list(self._connection().iterdump())

    def pristine_dump(self) -> list[str]:
        return list(self._pages.iterdump())

    def close(self) -> None:
        self._pages.close()
        self.state.db.close()


@pytest.fixture(scope="session")
def pristine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pristine]:
    folder = tmp_path_factory.mktemp("sim")
    db_path = str(folder / "state.db")
    if request.config.getoption("server_mode"):
        with plugin_serving(folder / "serve.log", "--workers", "2", "--db", db_path) as server:
            kept = Pristine(State(Database(db_path)), server.base, httpx.HTTPTransport, served=True)
            yield kept
            kept.close()
        return
    state = State(Database(db_path))
    load_fixture_file(state, DEFAULT_FIXTURE)
    app = Sim.in_process(state, create_app(Config(db_path=db_path), state))
    kept = Pristine(state, app.base, app.new_transport, served=False)
    yield kept
    kept.close()


@pytest.fixture
def sim(pristine: Pristine) -> Sim:
    """The session's simulator, put back to the demo fixture before the test starts."""
    pristine.reset()
    return pristine.sim()


@dataclass
class LiveServer:
    """``spotler-sim serve`` started as a user starts it, with demo-key clients."""

    server: Server

    @property
    def base(self) -> str:
        return self.server.base

    @property
    def banner(self) -> str:
        return self.server.banner

    def signed(self, key: str, secret: str, **options: Any) -> httpx.Client:
        """A client signed with any Key, without the contract check."""
        hooks = options.pop("event_hooks", {})
        hooks["response"] = [record, *hooks.get("response", [])]
        return self.server.signed(key, secret, event_hooks=hooks, **options)

    def client(self, who: str = "webshop") -> httpx.Client:
        # A fresh connection per request lets gunicorn hand requests to different workers.
        return self.signed(
            *DEMO_KEYS[who],
            limits=httpx.Limits(max_keepalive_connections=0),
            event_hooks={"response": [check]},
        )


@contextmanager
def serving(log: Path, *options: str) -> Iterator[LiveServer]:
    # Two workers start in seconds, but far slower on a machine loaded many times over (start
    # waits of 20-30 s were met at a load average of 15 on two cores).
    with plugin_serving(log, *options, start_timeout=120) as server:
        yield LiveServer(server)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """``spotler-sim serve --workers 2``."""
    with serving(tmp_path / "serve.log", "--workers", "2") as server:
        yield server
