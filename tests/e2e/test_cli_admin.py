"""``spotler-sim accounts|fault|clock|journal|snapshot`` run as a user runs them, against a live
simulator: tables by default, JSON with --json, and errors that say what to do next."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving
from tests.waiting import wait_for

CLI = [sys.executable, "-m", "spotler_sim.cli"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("cli") / "serve.log") as live:
        yield live


def cli(server: LiveServer | None, *args: str, status: int = 0) -> str:
    url = ["--url", server.base] if server else []
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [*CLI, *args, *url], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert done.returncode == status, done.stdout + done.stderr
    return done.stdout + done.stderr


def cli_json(server: LiveServer, *args: str) -> Any:
    return json.loads(cli(server, *args, "--json"))


def test_accounts_list_is_a_table_and_json_for_scripts(server: LiveServer) -> None:
    table = cli(server, "accounts", "list")
    assert "Accounts" in table and "demo-webshop-secret" in table and "│" in table
    listed = cli_json(server, "accounts", "list")
    assert {a["name"] for a in listed} >= {"demo", "demo-shared-id"}


def test_accounts_create_generates_keys_and_reset_empties(server: LiveServer) -> None:
    created = cli_json(server, "accounts", "create", "cli-shop", "--auth", "shop", "--auth", "crm")
    labels = {a["label"]: a for a in created["authentications"]}
    assert set(labels) == {"shop", "crm"}
    assert labels["shop"]["key"].startswith("cli-shop-shop-") and labels["shop"]["secret"]
    with server.server.signed(labels["shop"]["key"], labels["shop"]["secret"]) as api:
        body = {"contact": {"externalId": "7", "properties": {"email": "seven@example.com"}}}
        answer = api.post("/contact", json=body)
        assert answer.status_code == 204, answer.text
    counts = {a["name"]: a["contactCount"] for a in cli_json(server, "accounts", "list")}
    assert counts["cli-shop"] == 1
    assert "emptied" in cli(server, "accounts", "reset", "cli-shop")
    counts = {a["name"]: a["contactCount"] for a in cli_json(server, "accounts", "list")}
    assert counts["cli-shop"] == 0
    assert "deleted" in cli(server, "accounts", "delete", "cli-shop")
    assert "needs an account name" in cli(server, "accounts", "reset", status=2)


def test_fault_add_list_rm_clear(server: LiveServer) -> None:
    added = cli_json(
        server, "fault", "add", "--effect", "status", "--status", "503",
        "--error-type", "BACKEND_EXCEPTION", "--path", "/contact/{externalId}", "--first", "1",
    )  # fmt: skip
    with server.server.signed(*DEMO_KEYS["webshop"]) as api:  # 503 is not in the contract
        faulted = api.get("/contact/1001")
        assert faulted.status_code == 503
        assert faulted.headers["X-Spotler-Sim-Fault"] == f"{added['id']} status"
        assert api.get("/contact/1001").status_code == 200
    table = cli(server, "fault", "list")
    assert "/contact/{externalId}" in table and "first 1" in table
    [row] = [f for f in cli_json(server, "fault", "list") if f["id"] == added["id"]]
    assert (row["matches"], row["fired"]) == (2, 1)
    assert f"fault {added['id']} removed" in cli(server, "fault", "rm", str(added["id"]))
    cli(server, "fault", "add", "--effect", "rateLimit", "--retry-after", "9")
    assert len(cli_json(server, "fault", "list")) == 1
    assert "every fault removed" in cli(server, "fault", "clear")
    assert cli_json(server, "fault", "list") == []


def test_clock_freeze_advance_offset_real(server: LiveServer) -> None:
    assert "frozen, now 2026-01-05T09:00:00" in cli(
        server, "clock", "freeze", "2026-01-05T09:00:00Z"
    )
    assert cli_json(server, "clock", "advance", "90")["now"].startswith("2026-01-05T09:01:30")
    assert "clock: frozen" in cli(server, "clock", "show")
    assert cli_json(server, "clock", "offset", "-3600")["mode"] == "offset"
    assert "clock: real" in cli(server, "clock", "real")


def test_journal_filters_and_table(server: LiveServer) -> None:
    with server.client() as api:
        api.get("/contact/1001")
        api.get("/contact/no-such-contact")
    table = cli(server, "journal", "--status", "404", "--limit", "5")
    assert "/contact/no-such-contact" in table and "CONTACT_NOT_FOUND" in table
    entries = cli_json(server, "journal", "--path", "/contact/1001", "--method", "GET")
    assert entries and all(e["path"] == "/contact/1001" for e in entries)


def _exits(process: subprocess.Popen[str], within: float) -> bool:
    """Whether ``process`` ends in time; if not it is aborted, so its pipe and port are freed."""
    try:
        process.wait(timeout=within)
        return True
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack first
        process.wait(timeout=30)
        return False


def test_journal_follow_prints_new_calls(server: LiveServer) -> None:
    # faulthandler: a follower that outlives its Ctrl-C is aborted, and prints where it stood.
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    # Started as a script's background job is: with SIGINT ignored, which Python then never
    # turns into KeyboardInterrupt (the follower ran on after Ctrl-C in a backgrounded make test).
    as_background_job = ["sh", "-c", 'trap "" INT; exec "$@"', "sh"]
    follower = subprocess.Popen(
        [*as_background_job, *CLI, "journal", "--follow", "--path", "/contact/follow-me*",
         "--url", server.base],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    assert follower.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(follower.stdout), daemon=True)
    reader.start()

    def shown() -> list[int]:
        return sorted(map(int, re.findall(r"/contact/follow-me-(\d+)", "".join(lines))))

    try:
        wait_for(lambda: lines, "the first page")  # then it polls every second
        with server.client() as api:
            api.get("/contact/follow-me")
        wait_for(lambda: "new calls" in "".join(lines), "the first new call")
        with server.signed("demo-webshop", "demo-webshop-secret") as api:
            for n in range(250):  # more between two polls than a page of the journal holds
                api.get(f"/contact/follow-me-{n}")
        wait_for(lambda: len(shown()) >= 250, "the 250 new calls")
    finally:
        follower.send_signal(signal.SIGINT)
        stopped = _exits(follower, within=60)  # a bound, not a sleep: a loaded machine is slow
        reader.join(10)
        follower.stdout.close()
    output = "".join(lines)
    assert stopped, f"Ctrl-C did not end journal --follow within 60 s:\n{output}"
    assert follower.returncode == 0, output
    assert "new calls" in output and "/contact/follow-me" in output
    assert shown() == list(range(250))  # each once, none missed


def test_snapshot_export_and_load_round_trip(server: LiveServer, tmp_path: Path) -> None:
    target = tmp_path / "demo.json"
    assert "1 account(s) written" in cli(
        server, "snapshot", "export", "--account", "demo", "-o", str(target)
    )
    exported = json.loads(target.read_text())
    with server.client() as api:
        body = {"contact": {"externalId": "snap-1", "properties": {"email": "snap@example.com"}}}
        assert api.post("/contact", json=body).status_code == 204
    assert "loaded 1 account(s)" in cli(server, "snapshot", "load", str(target))
    again = json.loads(cli(server, "snapshot", "export", "--account", "demo"))
    assert again == exported
    with server.client() as api:
        assert api.get("/contact/snap-1").status_code == 404


def test_errors_say_what_to_do_next(tmp_path: Path) -> None:
    out = cli(None, "accounts", "list", "--url", "http://127.0.0.1:9", status=1)
    assert "cannot reach the simulator" in out and "spotler-sim serve" in out
    broken = tmp_path / "broken.yaml"
    broken.write_text("- just\n- a list\n")
    out = cli(None, "snapshot", "load", str(broken), "--url", "http://127.0.0.1:9", status=1)
    assert "holds no document" in out


def test_fault_add_latency_without_ms_names_the_flag_and_an_example(server: LiveServer) -> None:
    said = cli(server, "fault", "add", "--effect", "latency", status=1)
    assert "'ms' is a required property" in said
    assert "(the CLI's flag: --ms)" in said
    assert '"type": "latency", "ms": 200' in said
    assert "does not match" not in said and "given schemas" not in said
