"""Simulator fixtures: an in-process app with signed httpx clients, and a live gunicorn server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from client.auth import OAuth1Auth
from simulator.app import create_app
from simulator.config import DEFAULT_FIXTURE, Config
from simulator.state import State
from simulator.store import Database
from tests.plugins.contract_check import check

DEMO_KEYS = {
    "webshop": ("demo-webshop", "demo-webshop-secret"),
    "crm": ("demo-crm", "demo-crm-secret"),
    "shared-webshop": ("shared-webshop", "shared-webshop-secret"),
    "shared-crm": ("shared-crm", "shared-crm-secret"),
}
HOST = "http://127.0.0.1:8080"
API = "/integrationservice-1.1.0"


@dataclass
class Sim:
    """An in-process simulator with the demo fixture and helpers to call it."""

    state: State
    transport: httpx.WSGITransport

    def client(
        self, who: str = "webshop", *, prefix: str = API, checked: bool = True
    ) -> httpx.Client:
        key, secret = DEMO_KEYS[who]
        hooks = {"response": [check]} if checked else {}
        return httpx.Client(
            transport=self.transport,
            base_url=HOST + prefix,
            auth=OAuth1Auth(key, secret),
            event_hooks=hooks,
        )

    def raw(self) -> httpx.Client:
        """No signature, no contract check: for refusals."""
        return httpx.Client(transport=self.transport, base_url=HOST)

    def admin(self) -> httpx.Client:
        return httpx.Client(transport=self.transport, base_url=HOST + "/__admin")

    def table(self, sql: str) -> list[tuple[object, ...]]:
        with self.state.db.read() as conn:
            return [tuple(row) for row in conn.execute(sql)]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[Sim]:
    db_path = str(tmp_path / "state.db")
    state = State(Database(db_path))
    state.load_fixture_file(DEFAULT_FIXTURE)
    app = create_app(Config(db_path=db_path), state)
    yield Sim(state, httpx.WSGITransport(app=app))
    state.db.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    base: str
    process: subprocess.Popen[str]
    banner: str

    def client(self, who: str = "webshop") -> httpx.Client:
        key, secret = DEMO_KEYS[who]
        # A fresh connection per request lets gunicorn hand requests to different workers.
        return httpx.Client(
            base_url=self.base + API,
            auth=OAuth1Auth(key, secret),
            limits=httpx.Limits(max_keepalive_connections=0),
            event_hooks={"response": [check]},
        )


@contextmanager
def serving(log: Path, *options: str) -> Iterator[LiveServer]:
    """``spotler-sim serve`` as a user starts it, on a free port, stopped on exit."""
    port = free_port()
    command = [sys.executable, "-m", "simulator.cli", "serve", "--port", str(port), *options]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as narrow as a pipe
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, text=True, env=env
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"spotler-sim serve did not start:\n{log.read_text()}")
    try:
        yield LiveServer(base, process, log.read_text())
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """``spotler-sim serve --workers 2``."""
    with serving(tmp_path / "serve.log", "--workers", "2") as server:
        yield server
