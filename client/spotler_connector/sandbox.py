"""A simulator for the demo, started through the ``spotler-sim`` command and driven over HTTP.

The connector imports nothing of the simulator: it is the code an integrator copies into their
own project, so it only runs the command a user would run and calls the admin API any HTTP
client can call.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


class SandboxError(RuntimeError):
    """The simulator could not be started or refused an admin call; the message says why."""


def _command() -> str:
    """``spotler-sim`` next to this Python (the same virtual environment), else on PATH."""
    beside = Path(sys.executable).with_name("spotler-sim")
    found = str(beside) if beside.exists() else shutil.which("spotler-sim")
    if found is None:
        raise SandboxError(
            "the spotler-sim command is not installed: `pip install spotler-sim` into this "
            "environment, or point the connector at a simulator you started yourself"
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sandbox:
    """A running simulator: its root URL and a client of its admin API."""

    base: str
    admin: httpx.Client

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.admin.request(method, path, json=body, params=params or None)
        if response.status_code >= 400:
            raise SandboxError(
                f"{method} /__admin{path} answered {response.status_code}: {response.text[:300]}"
            )
        return response.json() if response.content else None

    def apply_scenario(self, scenario: dict[str, Any]) -> None:
        self.call("POST", "/scenario", scenario)

    def faults(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call("GET", "/faults")
        return found

    def clear_faults(self) -> None:
        self.call("DELETE", "/faults")

    def verdicts(self, account: str) -> list[dict[str, Any]]:
        """What the simulator judged the calls of ``account`` to have done wrong."""
        found: list[dict[str, Any]] = self.call("GET", "/verdicts", account=account)
        return found

    def snapshot(self, account: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call("GET", "/snapshot", account=account)
        return found


@contextmanager
def simulator(log: Path, *options: str, start_timeout: float = 120) -> Iterator[Sandbox]:
    """``spotler-sim serve`` on a free loopback port with ``options``, stopped on exit (also
    when the demo is interrupted, or terminated: the demo turns SIGTERM into an exit)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [_command(), "serve", "--port", str(port), *options]
    ready = base + "/openapi.json"
    # The header tells the admin API that a body-less POST is no cross-site form post.
    with (
        _started("spotler-sim serve", command, ready, log, start_timeout),
        httpx.Client(
            base_url=base + "/__admin", headers={"X-Spotler-Sim-Admin": "1"}, timeout=10
        ) as admin,
    ):
        yield Sandbox(base, admin)


@contextmanager
def overview(outbox: Path, log: Path, *, start_timeout: float = 120) -> Iterator[str]:
    """``spotler-connector overview`` of ``outbox`` on a free loopback port, stopped on exit;
    yields its URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "spotler_connector.cli", "--db", str(outbox), "overview"]
    with _started(
        "spotler-connector overview", [*command, "--port", str(port)], base, log, start_timeout
    ):
        yield base


@contextmanager
def _started(
    name: str, command: list[str], ready_url: str, log: Path, timeout: float
) -> Iterator[None]:
    """``command`` running (output to ``log``) once ``ready_url`` answers 200; terminated on
    exit."""
    with log.open("w") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_ready(name, process, ready_url, log, timeout)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(
    name: str, process: subprocess.Popen[bytes], url: str, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SandboxError(f"{name} did not start:\n{log.read_text()[-2000:]}")
