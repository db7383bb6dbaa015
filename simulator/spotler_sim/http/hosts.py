"""Which Host names the simulator answers: against DNS rebinding.

A web page can point a name it owns at 127.0.0.1 and then read the simulator as if it were its
own site (every Key and Secret from /__admin/accounts). Browsers send that name in ``Host``, so
only names of loopback, the address the simulator is bound to, and the names given with
``--allowed-host`` are served, on the API and the admin plane alike.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from flask import request

from spotler_sim.config import Config
from spotler_sim.errors import SpotlerError
from spotler_sim.http.context import services

LOOPBACK_NAMES = frozenset({"localhost"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def is_loopback(name: str) -> bool:
    """A name or address of this machine's loopback (localhost, 127.0.0.0/8, ::1)."""
    if name.lower() in LOOPBACK_NAMES or name.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=256)  # clients send one Host on every call: decide it once
def serves(config: Config, host_header: str) -> bool:
    """Whether a request with this ``Host`` is answered."""
    name = urlsplit(f"//{host_header}").hostname or ""
    if is_loopback(name):
        return True
    allowed = {h.lower() for h in config.allowed_hosts}
    if config.host not in WILDCARDS:
        allowed.add(config.host.lower().strip("[]"))
    return name in allowed


def check_host() -> None:
    config = services().config
    if serves(config, request.host):
        return
    raise SpotlerError(
        400,
        "INVALID_PARAMS",
        f"this simulator does not answer to the Host {request.host!r}: call it as 127.0.0.1 or "
        f"localhost, or start it with --allowed-host NAME for each name it is reached by",
    )
