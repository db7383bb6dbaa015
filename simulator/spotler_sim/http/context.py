"""What a request handler reaches for: the config, the state and the signature verifier."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import current_app

from spotler_sim.config import Config
from spotler_sim.http.auth import SignatureVerifier
from spotler_sim.state import State
from spotler_sim.store.accounts import secret_for, use_nonce

log = logging.getLogger("simulator")

NONCE_MEMORY_SECONDS = 900  # longer than any timestamp the verifier accepts


@dataclass(frozen=True)
class Services:
    config: Config
    state: State
    verifier: SignatureVerifier


def build_services(config: Config, state: State) -> Services:
    def lookup_secret(key: str) -> str | None:
        with state.db.read() as conn:
            return secret_for(conn, key)

    def remember_nonce(key: str, timestamp: int, nonce: str) -> bool:
        with state.db.write() as conn:
            return use_nonce(conn, key, timestamp, nonce, int(time.time()) - NONCE_MEMORY_SECONDS)

    verifier = SignatureVerifier(
        secret_for=lookup_secret,
        use_nonce=remember_nonce,
        max_skew_seconds=config.max_signature_skew_seconds,
    )
    return Services(config, state, verifier)


def services() -> Services:
    found: Services = current_app.extensions["spotler"]
    return found
