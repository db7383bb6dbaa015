"""Running the simulator as a service (CI): wait until it is ready, and stop it by its pidfile."""

from __future__ import annotations

import os
import signal
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HEALTH = "/__admin/health"


class LifecycleError(Exception):
    """The simulator did not become ready, or could not be stopped; the message says why."""


def probe_url(host: str, port: int, scheme: str = "http") -> str:
    """The URL a local client reaches a server on ``host`` with (0.0.0.0 means loopback too)."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    if ":" in reachable:
        reachable = f"[{reachable}]"
    return f"{scheme}://{reachable}:{port}"


def wait_ready(
    url: str,
    timeout: float,
    *,
    verify: Any = True,
    token: str | None = None,
    alive: Callable[[], bool] = lambda: True,
) -> dict[str, Any]:
    """The health answer of the simulator at ``url`` once it is ready; waits up to ``timeout``."""
    headers = {"X-Admin-Token": token} if token else {}
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while True:
        try:
            response = httpx.get(
                url.rstrip("/") + HEALTH, headers=headers, verify=verify, timeout=2
            )
            if response.status_code == 200 and response.json().get("ready"):
                found: dict[str, Any] = response.json()
                return found
            last = f"{HEALTH} answered {response.status_code}"
            if response.status_code in (401, 403):
                raise LifecycleError(
                    f"{url} refuses the health check ({response.status_code}): pass the "
                    "--token the simulator was started with (--admin-token)"
                )
        except httpx.TransportError as exc:
            last = str(exc) or type(exc).__name__
        if not alive():
            raise LifecycleError("the simulator exited while starting")
        if time.monotonic() >= deadline:
            raise LifecycleError(
                f"{url} was not ready within {timeout:g} s ({last}): is `spotler-sim serve` "
                "running there? Its log says why it did not start"
            )
        time.sleep(0.2)


def trusting(cacert: str | None) -> ssl.SSLContext | bool:
    """What httpx verifies https with: the CA file given (serve --tls prints it), else the
    system's trust (and SSL_CERT_FILE)."""
    return ssl.create_default_context(cafile=cacert) if cacert else True


def read_pid(pidfile: Path) -> int:
    try:
        return int(pidfile.read_text().strip())
    except FileNotFoundError:
        raise LifecycleError(
            f"no pidfile {pidfile}: was the simulator started with "
            f"`spotler-sim serve --detach --pidfile {pidfile}`?"
        ) from None
    except ValueError:
        raise LifecycleError(f"{pidfile} holds no process id: delete it") from None


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop(pidfile: Path, timeout: float = 30) -> int:
    """Stop the server named by ``pidfile`` (SIGTERM, gunicorn's graceful stop) and wait for it
    to go; the pidfile is removed. The pid that was stopped."""
    pid = read_pid(pidfile)
    if running(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while running(pid):
            if time.monotonic() >= deadline:
                raise LifecycleError(
                    f"process {pid} is still running {timeout:g} s after SIGTERM: kill -9 {pid}"
                )
            time.sleep(0.1)
    pidfile.unlink(missing_ok=True)
    return pid
