"""Verdicts over real HTTP against ``spotler-sim serve --workers 2``: a deliberately naive
connector draws each rule, and a careful one doing the same work draws nothing. Also
``spotler-sim verdicts``. (The reference connector's chaos syncs in test_connector_sync.py and
its demo assert that it draws no error verdict.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from spotler_sim.testing.admin_client import AdminClient
from tests.plugins.simulator import LiveServer, serving

NAIVE, CAREFUL = "naive", "careful"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("verdicts") / "serve.log", "--workers", "2") as server:
        yield server


@pytest.fixture
def shop(live: LiveServer, request: pytest.FixtureRequest) -> Iterator[Shop]:
    """An account of its own with a naive and a careful authentication."""
    name = request.node.name.replace("_", "-")[5:40]
    with AdminClient(live.base) as admin:
        made = admin.create_account(
            {"name": name, "authentications": [{"label": NAIVE}, {"label": CAREFUL}]}
        )
        keys = {a["label"]: (a["key"], a["secret"]) for a in made["authentications"]}
        yield Shop(live, admin, name, keys)
        admin.clear_faults()


class Shop:
    def __init__(
        self, live: LiveServer, admin: AdminClient, name: str, keys: dict[str, tuple[str, str]]
    ) -> None:
        self.live, self.admin, self.name, self.keys = live, admin, name, keys

    def api(self, label: str) -> httpx.Client:
        # no test-suite hooks on the answers: their first-use cost would skew the intervals
        return self.live.server.signed(*self.keys[label])

    def fault(self, label: str, effect: dict[str, Any], **match: Any) -> None:
        rule = {"match": {"account": self.name, "label": label, **match}, "effect": effect}
        self.admin.add_fault({**rule, "first": 1})

    def verdicts(self, label: str) -> list[tuple[str, str]]:
        found = self.admin.verdicts(account=self.name, label=label)
        return [(v["rule"], v["severity"]) for v in found]


def contact(external_id: str, email: str, *, update: bool = False) -> dict[str, Any]:
    return {
        "update": update,
        "contact": {"externalId": external_id, "properties": {"email": email}},
    }


def send(api: httpx.Client, method: str, path: str, **options: Any) -> httpx.Response | None:
    """A call whose connection may be cut on purpose: None when no answer came."""
    try:
        return api.request(method, path, **options)
    except httpx.TransportError:
        return None


def wait_until(moment: float) -> None:
    """Block until the monotonic clock reaches ``moment`` (a client honouring a delay)."""
    while (left := moment - time.monotonic()) > 0:
        time.sleep(left)


def test_retrying_before_the_retry_after(shop: Shop) -> None:
    shop.fault(NAIVE, {"type": "rateLimit", "retryAfter": 30}, method="GET")
    shop.fault(CAREFUL, {"type": "rateLimit", "retryAfter": 1}, method="GET")
    with shop.api(NAIVE) as naive, shop.api(CAREFUL) as careful:
        assert naive.get("/contact/1").status_code == 429
        assert naive.get("/contact/1").status_code == 404
        limited = careful.get("/contact/1")
        answered = time.monotonic()
        assert limited.status_code == 429
        wait_until(answered + float(limited.headers["Retry-After"]))
        assert careful.get("/contact/1").status_code == 404
    assert shop.verdicts(NAIVE) == [("retry-before-retry-after", "error")]
    assert shop.verdicts(CAREFUL) == []


def test_retrying_a_permanent_error(shop: Shop) -> None:
    with shop.api(NAIVE) as naive, shop.api(CAREFUL) as careful:
        for _ in range(2):
            refused = naive.post("/contact", json=contact("10", "not-an-address"))
            assert refused.json()["errorType"] == "INVALID_PROPERTY"
        careful.post("/contact", json=contact("11", "not-an-address"))
        fixed = careful.post("/contact", json=contact("11", "eleven@example.com"))
        assert fixed.status_code == 204
    [verdict] = shop.admin.verdicts(account=shop.name, label=NAIVE)
    assert verdict["rule"] == "retried-permanent-error" and verdict["entityKey"] == "contact 10"
    assert "refused with 400 INVALID_PROPERTY" in verdict["message"]
    assert shop.verdicts(CAREFUL) == []


def test_a_duplicate_after_a_lost_response(shop: Shop) -> None:
    for label in (NAIVE, CAREFUL):
        shop.fault(label, {"type": "lostResponse"}, method="POST", path="/contact")
    with shop.api(NAIVE) as naive, shop.api(CAREFUL) as careful:
        assert send(naive, "POST", "/contact", json=contact("20", "a@example.com")) is None
        again = naive.post("/contact", json=contact("20", "a@example.com"))
        assert again.json()["errorType"] == "CONTACT_ALREADY_EXISTS"
        assert send(careful, "POST", "/contact", json=contact("21", "b@example.com")) is None
        upsert = careful.post("/contact", json=contact("21", "b@example.com", update=True))
        assert upsert.status_code == 204
    assert shop.verdicts(NAIVE) == [("duplicate-after-lost-response", "error")]
    assert shop.verdicts(CAREFUL) == []


def test_a_stale_write_overtaking_a_newer_one(shop: Shop) -> None:
    def email(external_id: str, which: str) -> dict[str, Any]:
        properties = {"email": f"{which}.{external_id}@example.com"}
        return {"contact": {"externalId": external_id, "properties": properties}}

    for label in (NAIVE, CAREFUL):
        shop.fault(label, {"type": "status", "status": 503}, method="PUT")
    with shop.api(NAIVE) as naive, shop.api(CAREFUL) as careful:
        for api, external_id in ((naive, "30"), (careful, "31")):
            made = api.post("/contact", json=contact(external_id, f"{external_id}@example.com"))
            assert made.is_success, made.text
        # naive: the failed old write is retried after the newer one went through
        assert naive.put("/contact/30", json=email("30", "old")).status_code == 503
        assert naive.put("/contact/30", json=email("30", "new")).status_code == 204
        assert naive.put("/contact/30", json=email("30", "old")).status_code == 204
        # careful: the key's writes go one at a time, in order
        assert careful.put("/contact/31", json=email("31", "old")).status_code == 503
        assert careful.put("/contact/31", json=email("31", "old")).status_code == 204
        assert careful.put("/contact/31", json=email("31", "new")).status_code == 204
    assert shop.verdicts(NAIVE) == [("stale-write-overtook", "error")]
    assert shop.verdicts(CAREFUL) == []


def test_polling_inside_the_visibility_lag(shop: Shop) -> None:
    shop.admin.patch_account(shop.name, {"visibilityLag": {"mode": "fixed", "seconds": 300}})
    now = datetime.fromtimestamp(shop.admin.clock()["nowMs"] / 1000, UTC)

    def window(end: datetime) -> dict[str, str]:
        start = end - timedelta(hours=1)
        return {"fromDate": start.isoformat(), "toDate": end.isoformat()}

    with shop.api(NAIVE) as naive, shop.api(CAREFUL) as careful:
        assert naive.get("/contact/updates/list", params=window(now)).status_code == 200
        margin = now - timedelta(minutes=15)
        assert careful.get("/contact/updates/list", params=window(margin)).status_code == 200
    assert shop.verdicts(NAIVE) == [("poll-inside-lag", "error")]
    assert shop.verdicts(CAREFUL) == []


def test_retrying_without_backing_off(shop: Shop) -> None:
    for label in (NAIVE, CAREFUL):
        shop.admin.add_fault(
            {"match": {"account": shop.name, "label": label, "method": "GET"}, "first": 3,
             "effect": {"type": "status", "status": 503}}
        )  # fmt: skip

    def retrying(api: httpx.Client, waits: list[float]) -> None:
        for wait in waits:
            status = api.get("/contact/40").status_code
            answered = time.monotonic()
            if status != 503:
                return
            wait_until(answered + wait)
        api.get("/contact/40")

    with shop.api(NAIVE) as naive, shop.api(CAREFUL) as careful:
        # steady enough that the client's own overhead stays well under 10 % of a wait
        retrying(naive, [0.5, 0.5, 0.5])
        retrying(careful, [0.1, 0.3, 0.9])
    assert shop.verdicts(NAIVE) == [("no-backoff", "warning")]
    assert shop.verdicts(CAREFUL) == []


def test_the_cli_lists_verdicts_and_exits_1_on_an_error(shop: Shop) -> None:
    with shop.api(NAIVE) as naive:
        for _ in range(2):
            naive.post("/contact", json=contact("50", "not-an-address"))
    cli = [sys.executable, "-m", "spotler_sim.cli", "verdicts", "--url", shop.live.base]
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [*cli, "--account", shop.name], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "retried-permanent-error" in done.stdout and "contact 50" in done.stdout
    assert "1 error(s), 0 warning(s)" in done.stdout
    clean = subprocess.run(
        [*cli, "--account", shop.name, "--label", CAREFUL],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no verdicts" in clean.stdout
    missing = subprocess.run(
        [*cli, "--account", "nobody"], capture_output=True, text=True, env=env, check=False
    )
    assert missing.returncode == 1 and "no account named 'nobody'" in missing.stdout
