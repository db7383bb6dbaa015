"""Who may use the admin API and the dashboard: loopback callers, or holders of the token."""

from __future__ import annotations

import hmac
import ipaddress

from flask import request

from spotler_sim.errors import SpotlerError
from spotler_sim.http.context import services

# The dashboard keeps the token in this cookie once it was opened with ?token=...
TOKEN_COOKIE = "spotler_admin_token"


def check_access() -> None:
    """Loopback only, or, when the server has an admin token, only requests that carry it."""
    token = services().config.admin_token
    if token is not None:
        sent = (
            request.headers.get("X-Admin-Token")
            or request.cookies.get(TOKEN_COOKIE)
            or (request.args.get("token") if request.method == "GET" else None)
        )
        if sent is None or not hmac.compare_digest(sent, token):
            raise SpotlerError(
                401,
                "NOT_AUTHORIZED",
                "the admin API needs the token the simulator was started with: send it in the "
                "X-Admin-Token header, or open the dashboard as /__admin/?token=TOKEN "
                "(Spotler Keys never open the admin API)",
            )
        return
    address = ipaddress.ip_address((request.remote_addr or "0.0.0.0").split("%")[0])
    if not address.is_loopback:
        raise SpotlerError(
            403,
            "NOT_AUTHORIZED",
            "the admin API answers only on loopback: call it from the machine that runs the "
            "simulator, or start it with --admin-token and send that token",
        )
