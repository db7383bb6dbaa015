"""The pages a person opens in a browser: the landing page at ``/``, the API docs at ``/docs/``
(Swagger UI that signs "Try it out" calls) and the guide at ``/guide/`` (the docs/ pages).

Everything is served from the package: no CDN, no network, so the pages work offline.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import Blueprint, Response, abort, jsonify, render_template, request, send_from_directory
from markdown_it import MarkdownIt

from spotler_sim import __version__, contracts
from spotler_sim.admin.access import check_access
from spotler_sim.config import API_PREFIXES
from spotler_sim.errors import SpotlerError
from spotler_sim.http.context import services
from spotler_sim.store.accounts import all_accounts, authentications

pages = Blueprint("pages", __name__)

SWAGGER_ASSETS = Path(flask_swagger_ui.__file__).parent / "dist"
GUIDE = Path(__file__).parent / "docs"


def _keys() -> list[dict[str, str]] | None:
    """The Keys and Secrets, for callers the admin API would answer; None for anyone else."""
    try:
        check_access()
    except SpotlerError:
        return None
    state = services().state
    with state.db.read() as conn:
        return [
            {
                "account": account.name,
                "label": auth.label,
                "key": auth.key,
                "secret": auth.secret,
                "idField": auth.id_field,
            }
            for account in all_accounts(conn)
            for auth in authentications(conn, account)
        ]


@pages.get("/")
def landing() -> Any:
    root = request.host_url.rstrip("/")
    about: dict[str, Any] = {
        "name": "spotler-sim",
        "version": __version__,
        "api": [root + prefix + "/" for prefix in API_PREFIXES],
        "authentication": "two-legged OAuth 1.0a, HMAC-SHA1, consumer Key and Secret, no token",
        "keys": _keys(),
        "links": {
            "docs": root + "/docs/",
            "guide": root + "/guide/",
            "contract": root + "/openapi.json",
            "dashboard": root + "/__admin/",
            "adminContract": root + "/__admin/openapi.json",
            "health": root + "/__admin/health",
        },
        "firstCall": "spotler-sim call GET /contact/1001 --url " + root,
    }
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if (
        best == "application/json"
        and request.accept_mimetypes["application/json"] >= (request.accept_mimetypes["text/html"])
    ):
        return jsonify(about)
    return render_template("pages/landing.html", about=about)


@pages.get("/openapi.json")
def openapi() -> Response:
    return jsonify(contracts.document())


@pages.get("/docs")
@pages.get("/docs/")
def docs() -> str:
    return render_template("pages/docs.html", keys=_keys() or [])


@pages.get("/docs/<path:name>")
def docs_asset(name: str) -> Response:
    return send_from_directory(SWAGGER_ASSETS, name)


# ---- the guide --------------------------------------------------------------------------------

_LINK = re.compile(r'href="(?!https?:|#|/)([^"]*?)\.md(#[^"]*)?"')


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def guide_pages() -> dict[str, str]:
    """Every page of the guide by name, with its title (its first heading)."""
    found = {}
    for page in sorted(GUIDE.glob("*.md")):
        first = page.read_text(encoding="utf-8").lstrip().splitlines()[0]
        found[page.stem] = first.lstrip("#").strip()
    return found


def render_page(name: str) -> str:
    """One docs/ page as HTML, its links to other pages turned into guide links."""
    html = str(_markdown().render((GUIDE / f"{name}.md").read_text(encoding="utf-8")))

    def link(match: re.Match[str]) -> str:
        target = match.group(1).rsplit("/", 1)[-1]
        if target in ("README", "CONTRIBUTING", "index"):
            return f'href="/guide/{match.group(2) or ""}"'
        return f'href="/guide/{target}{match.group(2) or ""}"'

    return _LINK.sub(link, html)


@pages.get("/guide")
@pages.get("/guide/")
def guide_index() -> str:
    return render_template("pages/guide.html", title="Guide", body=None, pages=guide_pages())


@pages.get("/guide/<name>")
def guide(name: str) -> str:
    known = guide_pages()
    if name not in known:
        abort(404)
    return render_template(
        "pages/guide.html", title=known[name], body=render_page(name), pages=known
    )
