"""Every scenario file reproduces its situation against a live simulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import LiveServer, serving

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with serving(tmp_path / "serve.log") as live:
        yield live


def apply(server: LiveServer, name: str) -> None:
    """Apply a scenario the way a user does: with the CLI."""
    done = subprocess.run(
        [sys.executable, "-m", "spotler_sim.cli", "scenario", "run", str(SCENARIOS / f"{name}.yaml"),
         "--url", server.base],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"scenario {name} applied" in done.stdout


def api(
    server: LiveServer, key: str = "demo-webshop", secret: str = "demo-webshop-secret"
) -> httpx.Client:
    return server.signed(key, secret, timeout=10)


def outcome(client: httpx.Client, method: str, path: str, **kw: object) -> str | int:
    try:
        return client.request(method, path, **kw).status_code  # type: ignore[arg-type]
    except httpx.TransportError:
        return "transport"


def test_every_scenario_file_is_valid_and_has_a_test() -> None:
    from spotler_sim import contracts

    validator = contracts.schema_validator("Scenario", contracts.ADMIN)
    names = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
    assert names == sorted(
        ["flaky-network", "maintenance-window", "rate-limited", "lost-responses", "late-updates",
         "dedup-contamination", "dedup-rules", "rate-limited-account"]
    )  # fmt: skip
    for name in names:
        document = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text())
        assert document["name"] == name
        assert not list(validator.iter_errors(document)), name
        assert f"test_{name.replace('-', '_')}" in Path(__file__).read_text()


def test_flaky_network(server: LiveServer) -> None:
    apply(server, "flaky-network")
    with api(server) as client:
        seen = [outcome(client, "GET", "/contact/properties/list") for _ in range(40)]
    assert {200, 503, "transport"} <= set(seen)
    assert 6 <= seen.count(503) <= 20 and seen.count(200) >= 15
    apply(server, "flaky-network")  # the same seeds: the same calls fail again
    with api(server) as client:
        again = [outcome(client, "GET", "/contact/properties/list") for _ in range(40)]
    assert again == seen


def test_maintenance_window(server: LiveServer) -> None:
    apply(server, "maintenance-window")
    with AdminClient(server.base) as admin, api(server) as client:
        assert client.get("/contact/1001").status_code == 200
        admin.advance_clock(600)
        during = client.get("/contact/1001")
        assert during.status_code == 503 and "maintenance" in during.json()["message"]
        admin.advance_clock(1800)
        assert client.get("/contact/1001").status_code == 200


def test_rate_limited(server: LiveServer) -> None:
    apply(server, "rate-limited")
    with api(server) as client:
        answers = [client.get("/contact/1001") for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429, 429]
    assert answers[5].headers["Retry-After"] == "30"


def test_rate_limited_account(server: LiveServer) -> None:
    apply(server, "rate-limited-account")
    with api(server) as client:
        answers = [client.get("/contact/1001") for _ in range(21)]
    assert [a.status_code for a in answers] == [200] * 20 + [429]
    assert [a.headers["RateLimit-Remaining"] for a in answers[:3]] == ["19", "18", "17"]
    assert 1 <= int(answers[20].headers["Retry-After"]) <= 5
    with AdminClient(server.base) as admin:
        assert admin.call("GET", "/accounts/demo")["rateLimit"]["costs"] == {"insertContacts": 5}


def test_lost_responses(server: LiveServer) -> None:
    apply(server, "lost-responses")
    lost = 0
    with api(server) as client:
        for n in range(20):
            body = {
                "update": True,
                "contact": {"externalId": f"L-{n}", "properties": {"email": f"l{n}@example.com"}},
            }
            while outcome(client, "POST", "/contact", json=body) == "transport":
                lost += 1  # the write was stored; the retry is an upsert
        assert lost >= 2
        found = client.get("/contact/search", params={"MPSearchQuery": "email=l7@example.com"})
        assert len(found.json()["contacts"]) == 1
    with AdminClient(server.base) as admin:
        assert admin.count(fault="any") == lost


def test_late_updates(server: LiveServer) -> None:
    apply(server, "late-updates")
    with AdminClient(server.base) as admin, api(server) as client:
        body = {
            "update": True,
            "contact": {"externalId": "late-1", "properties": {"email": "late@example.com"}},
        }
        assert client.post("/contact", json=body).status_code == 204
        admin.advance_clock(120)  # the change happened at 12:00; it is 12:02 now
        naive = client.get(
            "/contact/updates/list",
            params={"fromDate": "2026-11-02T11:58:00Z", "toDate": "2026-11-02T12:02:00Z"},
        )
        assert [c["externalId"] for c in naive.json()["contacts"]] == []  # missed for good
        admin.advance_clock(600)  # 12:12; a margin of 10 minutes asks up to 12:02
        careful = client.get(
            "/contact/updates/list",
            params={"fromDate": "2026-11-02T11:58:00Z", "toDate": "2026-11-02T12:02:00Z"},
        )
        assert [c["externalId"] for c in careful.json()["contacts"]] == ["late-1"]


def test_dedup_contamination(server: LiveServer) -> None:
    apply(server, "dedup-contamination")
    with (
        api(server, "contaminated-webshop", "contaminated-webshop-secret") as shop,
        api(server, "contaminated-crm", "contaminated-crm-secret") as crm,
    ):
        crm.post(
            "/contact",
            json={
                "update": True,
                "contact": {"externalId": "C-9", "properties": {"email": "kim@example.com"}},
            },
        )
        assert shop.get("/contact/W-1").status_code == 404  # the webshop lost its contact
        crm.post(
            "/contact",
            json={
                "update": True,
                "contact": {
                    "externalId": "42",
                    "properties": {"email": "quinty@example.com", "firstName": "Quinty"},
                },
            },
        )
        assert shop.get("/contact/42").json()["properties"]["firstName"] == "Quinty"


def test_dedup_rules(server: LiveServer) -> None:
    apply(server, "dedup-rules")

    def upsert(client: httpx.Client, external_id: str, update: bool = True, **props: str) -> Any:
        body = {"update": update, "contact": {"externalId": external_id, "properties": props}}
        return client.post("/contact", json=body)

    with (
        api(server, "rules-webshop", "rules-webshop-secret") as shop,
        api(server, "rules-crm", "rules-crm-secret") as crm,
    ):
        anna = crm.get("/contact/C-1").json()
        assert upsert(shop, "W-5", email="fam@example.com").status_code == 204
        linked = shop.get("/contact/W-5").json()  # the first of the two sharing the address
        assert linked["encryptedId"] == anna["encryptedId"]
        assert linked["properties"]["firstName"] == "Anna"
        assert upsert(crm, "C-2", email="fam@example.com", firstName="Bastiaan").status_code == 204
        assert crm.get("/contact/C-1").json()["properties"]["firstName"] == "Anna"
        assert crm.get("/contact/C-2").json()["properties"]["firstName"] == "Bastiaan"
        refused = upsert(crm, "C-9", update=False, email="fam@example.com")
        assert refused.status_code == 400
        assert refused.json()["errorType"] == "CONTACT_ALREADY_EXISTS"
        assert "matched on email)" in refused.json()["message"]
        assert crm.get("/contact/C-9").status_code == 404
