"""The newcomer's path through the admin API and ``spotler-sim`` on a served simulator: several
authentications each with an ID field of their own, a warning when two share one, a global
reset as WireMock and moto users expect it, and an admin 404 that points at the admin routes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving

CLI = [sys.executable, "-m", "spotler_sim.cli"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with serving(tmp_path / "serve.log", "--workers", "2") as live:
        yield live


def cli(server: LiveServer, *args: str, status: int = 0) -> str:
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [*CLI, *args, "--url", server.base],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == status, done.stdout + done.stderr
    return done.stdout + done.stderr


def links(account: dict[str, Any]) -> dict[str, str]:
    return {a["label"]: a["idField"] for a in account["authentications"]}


def test_each_authentication_gets_an_id_field_of_its_own(server: LiveServer) -> None:
    out = cli(server, "accounts", "create", "acme", "--auth", "shop", "--auth", "erp", "--json")
    account = json.loads(out)
    assert links(account) == {"shop": "externalCustomerId", "erp": "erpCustomerId"}
    assert account["idFields"] == ["externalCustomerId", "erpCustomerId"]
    assert "warning" not in out


def test_id_field_chooses_and_a_shared_field_is_warned_about(server: LiveServer) -> None:
    out = cli(
        server, "accounts", "create", "shared", "--auth", "shop", "--auth", "erp",
        "--id-field", "erp=externalCustomerId",
    )  # fmt: skip
    assert "warning: the authentications shop and erp share the ID field externalCustomerId" in out
    assert "--id-field LABEL=FIELD" in out
    chosen = cli(
        server, "accounts", "create", "own", "--auth", "shop", "--id-field", "shop=customerNumber",
        "--json",
    )  # fmt: skip
    assert links(json.loads(chosen)) == {"shop": "customerNumber"}
    wrong = cli(server, "accounts", "create", "x", "--auth", "a", "--id-field", "b", status=1)
    assert "give it as LABEL=FIELD" in wrong


def _signed(server: LiveServer, key: str, secret: str) -> httpx.Client:
    return server.signed(key, secret)


def test_the_global_reset_puts_every_account_back_to_its_fixture(server: LiveServer) -> None:
    made = json.loads(cli(server, "accounts", "create", "acme", "--auth", "shop", "--json"))
    [auth] = made["authentications"]
    contact = {"contact": {"externalId": "77", "properties": {"email": "r@example.com"}}}
    with (
        _signed(server, *DEMO_KEYS["webshop"]) as demo,
        _signed(server, auth["key"], auth["secret"]) as acme,
    ):
        assert demo.post("/contact", json=contact).status_code == 204
        assert acme.post("/contact", json=contact).status_code == 204
        renamed = {"contact": {"externalId": "1001", "properties": {"firstName": "Changed"}}}
        assert demo.put("/contact/1001", json=renamed).status_code == 204
        cli(server, "fault", "add", "--status", "503", "--path", "/product/*")
        out = cli(server, "reset")
        assert "demo" in out and "acme" in out and "fault rules and the journal cleared" in out
        assert demo.get("/contact/77").status_code == 404  # made after the fixture: gone
        first_name = demo.get("/contact/1001").json()["properties"]["firstName"]
        assert first_name != "Changed"  # the fixture's contact: back as it was
        assert acme.get("/contact/77").status_code == 404  # the same Key still signs
    with httpx.Client(base_url=server.base + "/__admin") as admin:
        assert admin.get("/faults").json() == []
        journal = admin.get("/requests").json()["requests"]
    # only what came after the reset, newest first
    assert [(e["method"], e["path"], e["account"]) for e in journal] == [
        ("GET", "/contact/77", "acme"),
        ("GET", "/contact/1001", "demo"),
        ("GET", "/contact/77", "demo"),
    ]


def test_an_unknown_admin_path_points_at_the_admin_routes(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base) as raw:
        missing = raw.post("/__admin/nothing-here")
        routes = raw.get("/__admin/openapi.json")
    assert missing.status_code == 404
    message = missing.json()["message"]
    assert "/__admin/openapi.json" in message and "/openapi.json (the base" not in message
    assert routes.status_code == 200 and "/__admin/reset" in routes.json()["paths"]
