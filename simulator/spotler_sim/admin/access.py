"""Who may use the admin API and the dashboard: loopback callers, or holders of the token; and
never a web page of another site (cross-site request forgery).

A page on any site can make the browser of someone running the simulator send a form post, or a
``fetch`` without a body, to ``127.0.0.1``; the browser sends it without asking first (no CORS
preflight, which the simulator never grants anyway). So every write must come from this site
(``Origin`` and ``Sec-Fetch-Site`` are checked when the browser sends them), and a POST to the
JSON API must also be something no page can send unasked: a JSON content type, or the
``X-Spotler-Sim-Admin`` header. PUT, PATCH and DELETE are never sent cross-site without a
preflight, so they need only the first rule. The dashboard's forms post from its own pages.
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from flask import request

from spotler_sim.config import ADMIN_WRITE_HEADER
from spotler_sim.errors import SpotlerError
from spotler_sim.http.context import services

# The dashboard keeps the token in this cookie once it was opened with ?token=...
TOKEN_COOKIE = "spotler_admin_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_SITE = frozenset({"same-origin", "none"})  # Sec-Fetch-Site of a page's own calls


def check_access(*, forms: bool = False) -> None:
    """Loopback only, or, when the server has an admin token, only requests that carry it; and
    writes from this site only (``forms``: the dashboard's own form posts)."""
    _check_caller()
    if request.method in SAFE_METHODS:
        return
    if not _from_this_site():
        raise SpotlerError(
            403,
            "NOT_AUTHORIZED",
            "the admin API refuses writes sent by a web page of another site (its Origin or "
            "Sec-Fetch-Site says so): use the CLI, curl, or the dashboard's own pages",
        )
    if forms or request.method != "POST":
        return
    media = (request.content_type or "").split(";")[0].strip().lower()
    json_body = media == "application/json" or media.endswith("+json")
    if not (
        json_body or ADMIN_WRITE_HEADER in request.headers or "X-Admin-Token" in request.headers
    ):
        raise SpotlerError(
            403,
            "NOT_AUTHORIZED",
            f"a POST to the admin API needs Content-Type: application/json or the header "
            f"{ADMIN_WRITE_HEADER}: 1 (a web page cannot send either unasked), e.g. curl -X POST -H "
            f"'{ADMIN_WRITE_HEADER}: 1' {request.base_url}",
        )


def _from_this_site() -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in SAME_SITE:
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == "null":  # a sandboxed frame or a data: page: unknown unless the browser says
        return site in SAME_SITE
    return urlsplit(origin).netloc == request.host


def _check_caller() -> None:
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
