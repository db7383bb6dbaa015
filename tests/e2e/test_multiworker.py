"""``spotler-sim serve --workers 2`` under gunicorn: every worker sees the same state."""

from __future__ import annotations

from tests.plugins.simulator import LiveServer


def test_the_banner_prints_the_base_url_and_the_demo_credentials(live_server: LiveServer) -> None:
    banner = live_server.banner
    assert "/integrationservice-1.1.0/" in banner
    for key, secret in (
        ("demo-webshop", "demo-webshop-secret"),
        ("demo-crm", "demo-crm-secret"),
        ("shared-crm", "shared-crm-secret"),
    ):
        assert key in banner and secret in banner
    assert "crmCustomerId" in banner


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
    import httpx

    admin = live_server.base + "/__admin"
    httpx.put(admin + "/clock", json={"frozenAt": "2031-05-05T05:05:05Z"})
    seen = {
        httpx.get(admin + "/clock", headers={"Connection": "close"}).json()["nowMs"]
        for _ in range(10)
    }
    assert seen == {1935723905000}
