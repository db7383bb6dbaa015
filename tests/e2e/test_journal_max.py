"""``serve --journal-max`` as a user starts it: the journal keeps the newest calls."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.plugins.simulator import serving


def test_serve_journal_max_keeps_the_newest_calls(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log", "--workers", "2", "--journal-max", "3") as live:
        with live.client() as api:
            for n in range(1001, 1006):
                api.get(f"/contact/{n}")
        with httpx.Client(base_url=live.base + "/__admin") as admin:
            kept = admin.get("/requests").json()["requests"]
    assert [entry["path"] for entry in kept] == [f"/contact/{n}" for n in (1005, 1004, 1003)]
