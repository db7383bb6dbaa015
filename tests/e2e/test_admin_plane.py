"""The admin plane against a hostile web page, over real HTTP to ``spotler-sim serve``.

In its default mode (loopback, no token) the admin API must refuse what a page on another site
can make a browser send: a form post or a body-less ``fetch`` (no preflight), any write whose
Origin or Sec-Fetch-Site names another site, and any call whose Host is a name the simulator was
not told about (DNS rebinding).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spotler_sim.testing.server import free_port
from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving

ADMIN_WRITE = {"X-Spotler-Sim-Admin": "1"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("plane") / "serve.log"
    with serving(log, "--workers", "2", "--allowed-host", "sim.test") as live:
        yield live


@pytest.fixture
def admin(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base + "/__admin", timeout=10) as client:
        yield client


def contacts(admin: httpx.Client) -> int:
    accounts = admin.get("/accounts").json()
    return int(next(a["contactCount"] for a in accounts if a["name"] == "demo"))


def secret(admin: httpx.Client) -> str:
    auths = admin.get("/accounts/demo").json()["authentications"]
    return str(next(a["secret"] for a in auths if a["label"] == "crm"))


@pytest.mark.parametrize(
    "headers",
    [
        # an HTML form on another site
        {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"},
        # fetch(..., {method: "POST", mode: "no-cors"}) from an old browser: no Origin at all
        {},
        {"Content-Type": "text/plain"},
        # a browser that says where the request comes from
        {"Sec-Fetch-Site": "cross-site", **ADMIN_WRITE},
        {"Origin": "null", "Content-Type": "application/json"},
        {"Origin": "http://evil.example", "Content-Type": "application/json"},
    ],
    ids=["form", "bare", "text-plain", "sec-fetch-site", "null-origin", "foreign-origin"],
)
def test_cross_site_writes_are_refused_and_change_nothing(
    admin: httpx.Client, headers: dict[str, str]
) -> None:
    before, crm_secret = contacts(admin), secret(admin)
    assert before > 0
    reset = admin.post("/accounts/demo/reset", headers=headers, content=b"")
    rotate = admin.post("/accounts/demo/authentications/crm/rotate", headers=headers)
    for refused in (reset, rotate):
        assert refused.status_code == 403, refused.text
        assert refused.json()["errorType"] == "NOT_AUTHORIZED"
        assert (
            "X-Spotler-Sim-Admin" in refused.json()["message"]
            or "site" in refused.json()["message"]
        )
    assert contacts(admin) == before and secret(admin) == crm_secret


def test_same_site_writes_with_json_or_the_header_are_served(admin: httpx.Client) -> None:
    origin = {"Origin": str(admin.base_url).removesuffix("/__admin/").removesuffix("/__admin")}
    fault = admin.post("/faults", json={"effect": {"type": "reset"}, "first": 1}, headers=origin)
    assert fault.status_code == 201, fault.text
    assert admin.delete(f"/faults/{fault.json()['id']}").status_code == 204
    advanced = admin.post("/clock/advance", json={"seconds": 0}, headers={"Sec-Fetch-Site": "none"})
    assert advanced.status_code == 200, advanced.text
    rotated = admin.post("/accounts/demo/authentications/crm/rotate", headers=ADMIN_WRITE)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != DEMO_KEYS["crm"][1]
    reset = admin.post(
        "/accounts/demo-shared-id/reset", headers={"Content-Type": "application/json"}
    )
    assert reset.status_code == 204, reset.text


def test_a_preflight_is_never_granted(admin: httpx.Client) -> None:
    answer = admin.options(
        "/accounts/demo/reset",
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-spotler-sim-admin",
        },
    )
    assert "access-control-allow-origin" not in answer.headers


def test_the_dashboard_refuses_a_null_origin_form(admin: httpx.Client) -> None:
    answer = admin.post(
        "/dashboard/clock",
        data={"mode": "real"},
        headers={"Origin": "null"},
    )
    assert answer.status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "attacker.test"])
def test_a_foreign_host_is_refused_on_the_admin_plane_and_the_api(
    server: LiveServer, host: str
) -> None:
    with httpx.Client(base_url=server.base, headers={"Host": host}, timeout=10) as client:
        listed = client.get("/__admin/accounts")
        assert listed.status_code == 400 and "Secret" not in listed.text
        assert listed.json()["errorType"] == "INVALID_PARAMS"
        assert "--allowed-host" in listed.json()["message"]
    with server.signed(*DEMO_KEYS["webshop"], headers={"Host": host}, timeout=10) as api:
        refused = api.get("/contact/1001")
        assert refused.status_code == 400 and "--allowed-host" in refused.json()["message"]


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "sim.test"])
def test_loopback_names_and_allowed_hosts_are_served(server: LiveServer, name: str) -> None:
    port = server.base.rsplit(":", 1)[1]
    with httpx.Client(base_url=server.base, headers={"Host": f"{name}:{port}"}) as client:
        assert client.get("/__admin/accounts").status_code == 200


def test_serving_beyond_loopback_needs_an_admin_token(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spotler_sim.cli", "serve", "--host", "0.0.0.0", "--port",
         str(free_port()), "--db", str(tmp_path / "s.db")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--admin-token" in done.stdout and "Traceback" not in done.stdout + done.stderr
