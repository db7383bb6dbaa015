"""A ``spotler-sim serve`` in a child process on a free loopback port, for tests and demos."""

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
from typing import Any

import httpx

from spotler_sim.config import API_PREFIXES
from spotler_sim.testing.signing import OAuth1Auth

API = API_PREFIXES[0]


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
        """A client signed with a Key that asks for JSON, as every current connector does (the
        API answers XML to a client that does not say)."""
        options["headers"] = {"Accept": "application/json", **options.get("headers", {})}
        return httpx.Client(base_url=self.base + API, auth=OAuth1Auth(key, secret), **options)


@contextmanager
def running(
    command: list[str], ready_url: str, log: Path, *, start_timeout: float = 120
) -> Iterator[subprocess.Popen[str]]:
    """Start ``command`` (output to ``log``), wait until ``ready_url`` answers 200, and stop it
    on exit."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, text=True, env=env
        )
    deadline = time.monotonic() + start_timeout
    while True:
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError(f"{' '.join(command[1:])} did not start:\n{log.read_text()}")
        time.sleep(0.1)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serving(log: Path, *options: str, start_timeout: float = 120) -> Iterator[Server]:
    """Start ``spotler-sim serve`` on a free port with ``options``; stop it on exit."""
    port = free_port()
    command = [sys.executable, "-m", "spotler_sim.cli", "serve", "--port", str(port), *options]
    base = f"http://127.0.0.1:{port}"
    with running(command, base + "/openapi.json", log, start_timeout=start_timeout) as process:
        yield Server(base, process, log)
