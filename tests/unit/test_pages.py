"""The pages a browser opens (``/``, ``/guide/``), the health endpoint and the admin contract,
in process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx

from spotler_sim import __version__, contracts
from spotler_sim.pages import GUIDE, guide_pages
from tests.plugins.simulator import Sim


def test_the_landing_page_answers_json_to_scripts_and_html_to_browsers(sim: Sim) -> None:
    with sim.raw() as http:
        about = http.get("/", headers={"Accept": "application/json"}).json()
        page = http.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert about["version"] == __version__
    assert about["api"][0].endswith("/integrationservice-1.1.0/")
    assert {"key": "demo-webshop", "secret": "demo-webshop-secret"}.items() <= about["keys"][
        0
    ].items()
    assert set(about["links"]) >= {"docs", "guide", "dashboard", "health", "contract"}
    assert page.headers["Content-Type"].startswith("text/html")
    for shown in ("/integrationservice-1.1.0/", "demo-webshop-secret", "/__admin/health", "/docs/"):
        assert shown in page.text


def remote(sim: Sim) -> httpx.Client:
    """A client calling from an address off loopback."""
    transport = httpx.WSGITransport(app=sim.transport.app, remote_addr="203.0.113.9")
    return httpx.Client(transport=transport, base_url="http://127.0.0.1:8080")


def test_the_landing_page_shows_no_secrets_to_callers_off_loopback(sim: Sim) -> None:
    with remote(sim) as http:
        about = http.get("/", headers={"Accept": "application/json"}).json()
        page = http.get("/").text
        docs = http.get("/docs/").text
    assert about["keys"] is None
    for shown in (page, docs):
        assert "demo-webshop-secret" not in re.sub(r'id="sim-secret" value="[^"]*"', "", shown)


def test_health_says_ready_with_version_database_and_uptime(sim: Sim) -> None:
    with sim.admin() as admin:
        health = admin.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["ready"] is True and body["version"] == __version__
    assert body["database"].endswith("state.db") and body["workers"] == 1
    assert body["uptimeSeconds"] >= 0
    assert "/__admin/health" in contracts.document(contracts.ADMIN)["paths"]


def test_health_off_loopback_needs_the_admin_token(sim: Sim) -> None:
    with remote(sim) as http:
        refused = http.get("/__admin/health")
    assert refused.status_code == 403
    assert refused.json()["errorType"] == "NOT_AUTHORIZED"


def test_the_admin_contract_is_served(sim: Sim) -> None:
    with sim.admin() as admin:
        served = admin.get("/openapi.json").json()
    assert served == contracts.document(contracts.ADMIN)


def test_the_guide_serves_every_docs_page_with_links_between_them(sim: Sim) -> None:
    names = guide_pages()
    assert set(names) == {p.stem for p in GUIDE.glob("*.md")} and len(names) >= 8
    with sim.raw() as http:
        index = http.get("/guide/").text
        for name, title in names.items():
            page = http.get(f"/guide/{name}")
            assert page.status_code == 200, name
            assert title in page.text
            # links between pages lead to pages of the guide, never to a .md file
            for href in re.findall(r'href="(/guide/[^"#]*)', page.text):
                target = href.removeprefix("/guide/")
                assert target == "" or target in names, (name, href)
            assert index.count(f'href="/guide/{name}"') >= 1
        assert http.get("/guide/no-such-page").status_code == 404


ROOT = Path(__file__).resolve().parents[2]
READABLE = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def _prose(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield number, line


def test_the_readme_leads_in_under_200_lines_with_a_table_of_contents() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200
    headings = {
        re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
        for h in re.findall(r"^## (.+)$", readme, flags=re.M)
    }
    anchors = re.findall(r"^- \[[^]]+\]\(#([^)]+)\)", readme, flags=re.M)
    assert len(anchors) >= 4 and set(anchors) <= headings
    for command in ("make run", "make test", "spotler-sim call GET /contact/1001 --print-curl"):
        assert command in readme


def test_every_page_reads_in_a_terminal_and_links_to_pages_that_exist() -> None:
    for path in READABLE:
        for number, line in _prose(path):
            assert len(line) <= 120, f"{path.name}:{number} is {len(line)} characters wide"
            for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", line):
                assert (path.parent / target).exists(), f"{path.name}:{number} links {target}"
