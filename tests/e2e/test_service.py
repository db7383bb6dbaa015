"""The simulator as a CI service, run by the commands docs/ci.md gives: serve --detach with a
pidfile, wait, a call, stop; configured from environment variables; over HTTPS with the local CA."""

from __future__ import annotations

import argparse
import os
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from spotler_sim import __version__
from spotler_sim.cli import build_parser
from spotler_sim.lifecycle import running
from spotler_sim.testing import OAuth1Auth
from spotler_sim.testing.server import free_port

CLI = [sys.executable, "-m", "spotler_sim.cli"]
API = "/integrationservice-1.1.0"


def cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SPOTLER_SIM_")}
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**clean, "COLUMNS": "200", **(env or {})},
        cwd=cwd,
    )


def test_the_ci_recipe_starts_waits_calls_and_stops(tmp_path: Path) -> None:
    port = str(free_port())
    url = f"http://127.0.0.1:{port}"
    pidfile = tmp_path / "sim.pid"
    started = cli("serve", "--detach", "--pidfile", str(pidfile), "--port", port, "--workers", "2")
    assert started.returncode == 0, started.stdout + started.stderr
    pid = int(pidfile.read_text())
    try:
        assert f"ready at {url} as process {pid}" in started.stdout
        waited = cli("wait", "--url", url, "--timeout", "30")
        assert waited.returncode == 0 and f"spotler-sim {__version__}" in waited.stdout
        called = cli("call", "GET", "/contact/1001", "--url", url)
        assert called.returncode == 0 and called.stdout.startswith("200 OK"), called.stdout
    finally:
        stopped = cli("stop", "--pidfile", str(pidfile))
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert f"stopped process {pid}" in stopped.stdout
    assert not running(pid) and not pidfile.exists()
    assert "Handling signal: term" in (tmp_path / "sim.pid.log").read_text()
    # once stopped, wait gives up with a message and exit 1
    gone = cli("wait", "--url", url, "--timeout", "1")
    assert gone.returncode == 1 and "was not ready within 1 s" in gone.stdout


def test_stop_without_a_pidfile_says_how_the_server_should_have_started(tmp_path: Path) -> None:
    done = cli("stop", "--pidfile", str(tmp_path / "none.pid"))
    assert done.returncode == 1
    assert "serve --detach --pidfile" in done.stdout


def test_environment_variables_configure_serve_and_flags_win(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "SPOTLER_SIM_PORT": str(port),
        "SPOTLER_SIM_WORKERS": "3",
        "SPOTLER_SIM_DB": str(tmp_path / "state.db"),
        "SPOTLER_SIM_ADMIN_TOKEN": "ci-token",
        "SPOTLER_SIM_SCENARIO": "late-updates",
        "SPOTLER_SIM_PIDFILE": str(tmp_path / "env.pid"),
    }
    started = cli("serve", "--detach", "--workers", "2", env=env)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        assert "scenario late-updates applied" in started.stdout
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(url + "/__admin/health").status_code == 401  # the token is asked for
        health = httpx.get(url + "/__admin/health", headers={"X-Admin-Token": "ci-token"}).json()
        assert health["workers"] == 2  # the flag won over SPOTLER_SIM_WORKERS=3
        assert health["database"] == str(tmp_path / "state.db")
        waited = cli("wait", "--token", "ci-token", env={"SPOTLER_SIM_URL": url})
        assert waited.returncode == 0, waited.stdout
    finally:
        assert cli("stop", env=env).returncode == 0
    assert (tmp_path / "state.db").exists()


def test_serve_help_names_the_variable_of_every_flag() -> None:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    serve = commands.choices["serve"]
    shown = " ".join(serve.format_help().split())
    flags = [a for a in serve._actions if a.option_strings and a.dest != "help"]
    assert len(flags) >= 15
    for action in flags:
        variable = "SPOTLER_SIM_" + action.dest.upper()
        assert f"[env {variable}]" in shown, action.option_strings


def test_version() -> None:
    done = cli("--version")
    assert done.stdout.strip() == f"spotler-sim {__version__}"


def test_serve_with_a_db_in_a_missing_folder_ends_with_one_line(tmp_path: Path) -> None:
    done = cli("serve", "--db", str(tmp_path / "missing" / "state.db"), "--port", str(free_port()))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    [line] = (done.stdout + done.stderr).strip().splitlines()
    assert "does not exist" in line and "mkdir -p" in line


def test_serve_tls_is_trusted_by_a_client_given_the_printed_ca(tmp_path: Path) -> None:
    port = free_port()
    pidfile = tmp_path / "tls.pid"
    started = cli(
        "serve", "--tls", "--tls-dir", str(tmp_path / "tls"), "--detach", "--pidfile",
        str(pidfile), "--port", str(port),
    )  # fmt: skip
    assert started.returncode == 0, started.stdout + started.stderr
    ca = tmp_path / "tls" / "ca.pem"
    try:
        assert f"certificate of the local CA {ca}" in started.stdout
        for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "keytool"):
            assert variable in started.stdout
        url = f"https://127.0.0.1:{port}"
        # a real client signs the https URL and trusts the CA it was told of
        with httpx.Client(
            base_url=url + API,
            verify=ssl.create_default_context(cafile=ca),
            auth=OAuth1Auth("demo-webshop", "demo-webshop-secret"),
            headers={"Accept": "application/json"},
        ) as api:
            answer = api.get("/contact/1001")
        assert answer.status_code == 200, answer.text
        assert answer.json()["externalId"] == "1001"
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(url + "/__admin/health")  # without the CA: not trusted
        assert (
            httpx.get(url + "/__admin/health", verify=ssl.create_default_context(cafile=ca)).json()[
                "url"
            ]
            == url
        )
        assert cli("wait", "--url", url, "--cacert", str(ca)).returncode == 0
        called = cli("call", "GET", "/contact/1001", "--url", url, "--cacert", str(ca))
        assert called.returncode == 0, called.stdout + called.stderr
    finally:
        assert cli("stop", "--pidfile", str(pidfile)).returncode == 0


def test_serve_tls_with_ones_own_certificate_needs_both_files(tmp_path: Path) -> None:
    done = cli("serve", "--tls-cert", str(tmp_path / "cert.pem"), "--port", str(free_port()))
    assert done.returncode == 2
    assert "--tls-cert and --tls-key go together" in done.stdout
