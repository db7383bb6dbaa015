"""``serve --log-level debug`` logs a line per request served, whichever way it is served."""

from __future__ import annotations

from pathlib import Path

import httpx

from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import DEMO_KEYS, serving
from tests.waiting import wait_for


def test_every_request_is_logged_with_its_status(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with serving(log, "--workers", "1", "--log-level", "debug") as server:
        with server.signed(*DEMO_KEYS["webshop"], timeout=30) as api:
            assert api.get("/contact/1001").status_code == 200  # served on the loop
        assert httpx.get(f"{server.base}/integrationservice-1.1.0/contact/1").status_code == 401
        with AdminClient(server.base) as admin:  # served by a thread
            admin.count()

        def logged() -> bool:
            text = log.read_text(errors="replace")
            return (
                (
                    '"GET /integrationservice-1.1.0/contact/1001?oauth_' in text
                    or '"GET /integrationservice-1.1.0/contact/1001 HTTP/1.1" 200' in text
                )
                and '"GET /integrationservice-1.1.0/contact/1 HTTP/1.1" 401' in text
                and ('"GET /__admin/' in text)
            )

        wait_for(logged, "the access log lines")
