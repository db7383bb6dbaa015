"""The one settings object of the simulator: built from CLI flags, read nowhere else."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from spotler_sim.domain.journal import JournalLimit
from spotler_sim.fixtures import DEFAULT_FIXTURE

API_PREFIXES = ("/integrationservice-1.1.0", "/integrationservice")
ADMIN_PREFIX = "/__admin"
# Set on every answer an injected fault shaped: "<rule id> <effect>". Such answers are off the
# contract on purpose, so the contract checker leaves them alone.
FAULT_HEADER = "X-Spotler-Sim-Fault"
# Sent by the CLI and the pytest plugin on every admin call: a page of another site cannot send
# it unasked, so a POST carrying it is no cross-site forgery (see admin/access.py).
ADMIN_WRITE_HEADER = "X-Spotler-Sim-Admin"
# Every serve flag may come from SPOTLER_SIM_<FLAG> (a flag on the command line wins).
ENV_PREFIX = "SPOTLER_SIM_"


def env_default(name: str, default: str | None = None) -> str | None:
    """The value of SPOTLER_SIM_<name>, or ``default`` when unset or empty."""
    return os.environ.get(ENV_PREFIX + name) or default


@dataclass(frozen=True)
class Config:
    db_path: str
    fixture_path: str | None = str(DEFAULT_FIXTURE)
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    threads: int = 8
    # Clients sign with real time: refuse timestamps further than this from the wall clock.
    max_signature_skew_seconds: int = 300
    # API bodies above this size get 413 (a batch of 100 contacts is far below it).
    max_body_bytes: int = 2 * 1024 * 1024
    # Admin bodies above this get 413: a seed of 100,000 contacts or a snapshot fits in it.
    max_admin_body_bytes: int = 64 * 1024 * 1024
    # How many calls and bytes the request journal keeps (``serve --journal-max``).
    journal_limit: JournalLimit = field(default_factory=JournalLimit)
    # Sync the state file to the disk at every checkpoint (``serve --durable``): it then also
    # survives a crash of the machine, at some speed (store/database.py).
    durable: bool = False
    log_level: str = "info"
    # With a token the admin API and dashboard answer anyone who sends it, and nobody else;
    # without one they answer loopback only.
    admin_token: str | None = None
    # Host names served besides loopback and the bound address (``--allowed-host``).
    allowed_hosts: tuple[str, ...] = ()
    # TLS: the server certificate and key files; plain HTTP without them.
    tls_cert: str | None = None
    tls_key: str | None = None
    # When `serve` started (epoch seconds): the health endpoint's uptime counts from here.
    started_at: float = field(default_factory=time.time)

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"

    @property
    def root_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}{API_PREFIXES[0]}"
