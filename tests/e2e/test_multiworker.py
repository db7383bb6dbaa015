"""``spotler-sim serve --workers 2`` under gunicorn: every worker sees the same state."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.plugins.simulator import LiveServer, serving


def test_the_banner_prints_the_base_url_and_the_demo_credentials(live_server: LiveServer) -> None:
    banner = live_server.banner
    assert "/integrationservice-1.1.0/" in banner
    for key, secret in (
        ("demo-webshop", "demo-webshop-secret"),
        ("demo-crm", "demo-crm-secret"),
        ("shared-crm", "shared-crm-secret"),
        ("shared-webshop", "shared-webshop-secret"),
    ):
        assert key in banner and secret in banner
    assert "crmCustomerId" in banner
    assert "Accept: application/json" in banner  # the one header that changes every answer
    assert "dashboard and admin API at" in banner and "/__admin/ (loopback only)" in banner


def test_a_contact_written_through_one_worker_is_read_through_the_other(
    live_server: LiveServer,
) -> None:
    with live_server.client() as api:
        body = {"contact": {"externalId": "mw-1", "properties": {"email": "mw@example.com"}}}
        written = api.post("/contact/", json=body)
        assert written.status_code == 204
        writer = written.headers["X-Spotler-Sim-Worker"]
        readers = set()
        for _ in range(60):
            read = api.get("/contact/mw-1")
            assert read.status_code == 200
            assert read.json()["properties"]["email"] == "mw@example.com"
            readers.add(read.headers["X-Spotler-Sim-Worker"])
            if readers - {writer}:
                break
    assert readers - {writer}, (
        f"every read landed on worker {writer}; gunicorn never used the other"
    )


def test_the_clock_is_shared_by_every_worker(live_server: LiveServer) -> None:
    admin = live_server.base + "/__admin"
    httpx.put(admin + "/clock", json={"frozenAt": "2031-05-05T05:05:05Z"})
    seen = {
        httpx.get(admin + "/clock", headers={"Connection": "close"}).json()["nowMs"]
        for _ in range(10)
    }
    assert seen == {1935723905000}


def test_db_keeps_state_across_restarts_and_loads_the_fixture_only_once(tmp_path: Path) -> None:
    db = str(tmp_path / "kept.db")
    with serving(tmp_path / "first.log", "--db", db) as first, first.client() as api:
        body = {"contact": {"externalId": "kept-1", "properties": {"email": "kept@example.com"}}}
        assert api.post("/contact", json=body).status_code == 204
    with serving(tmp_path / "second.log", "--db", db) as second, second.client() as api:
        assert api.get("/contact/kept-1").json()["properties"]["email"] == "kept@example.com"
        accounts = httpx.get(second.base + "/__admin/accounts").json()
    assert sorted(a["name"] for a in accounts) == ["demo", "demo-shared-id"]


def test_without_db_every_run_starts_from_the_fixture(tmp_path: Path) -> None:
    for run in ("one", "two"):
        with serving(tmp_path / f"{run}.log") as server, server.client() as api:
            assert api.get("/contact/kept-2").status_code == 404
            body = {"contact": {"externalId": "kept-2", "properties": {"email": "k2@example.com"}}}
            assert api.post("/contact", json=body).status_code == 204
