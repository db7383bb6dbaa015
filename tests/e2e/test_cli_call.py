"""``spotler-sim call`` and ``spotler-sim sign`` against a live simulator, as a user runs them:
the printed curl command is run by real curl, the header by a plain HTTP client."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spotler_sim.cli import main
from tests.plugins.simulator import LiveServer, serving

API = "/integrationservice-1.1.0"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("call") / "serve.log", "--workers", "2") as live:
        yield live


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def curl(line: str) -> subprocess.CompletedProcess[str]:
    assert line.startswith("curl "), line
    words = shlex.split(line)
    assert shutil.which("curl"), "curl is needed to replay the printed command"
    return subprocess.run(
        [*words, "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30, check=False
    )


def test_call_signs_sends_and_prints_the_contact(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "call", "GET", "/contact/1001", "--url", server.base)
    assert code == 0
    status, body = out.split("\n", 1)
    assert status.startswith("200 OK GET ")
    assert json.loads(body)["properties"]["email"] == "anna.devries@example.com"


def test_call_asks_for_xml_when_told(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "call", "GET", "/contact/1001", "--xml", "--url", server.base)
    assert code == 0
    assert "\n<contact>\n  <externalId>1001</externalId>" in out


def test_the_printed_curl_command_answers_200_once(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "call", "GET", "/contact/1001", "--print-curl", "--url", server.base
    )
    assert code == 0 and "valid once" in err
    [line] = out.splitlines()
    done = curl(line)
    body, status = done.stdout.rsplit("\n", 1)
    assert status == "200", done.stdout + done.stderr
    assert json.loads(body)["externalId"] == "1001"
    # the same signature again is a replay: its nonce was used
    assert curl(line).stdout.rsplit("\n", 1)[1] == "401"


def test_a_printed_curl_write_with_a_body_and_a_query_is_signed_too(
    server: LiveServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    contact = {
        "update": True,
        "contact": {"externalId": "curl-1", "properties": {"email": "c@example.com"}},
    }
    (tmp_path / "contact.json").write_text(json.dumps(contact))
    _, out, _ = run(
        capsys, "call", "POST", "/contact", "--data", f"@{tmp_path / 'contact.json'}",
        "--print-curl", "--url", server.base,
    )  # fmt: skip
    assert curl(out.strip()).stdout.rsplit("\n", 1)[1] == "204"
    _, out, _ = run(
        capsys, "call", "GET", "/contact/updates/list", "--query", "fromDate=2020-01-01",
        "--query", "toDate=2099-12-31T23:59:59+01:00", "--print-curl", "--url", server.base,
    )  # fmt: skip
    body, status = curl(out.strip()).stdout.rsplit("\n", 1)
    assert status == "200", body


def test_sign_prints_a_header_a_plain_client_can_send(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.base + API + "/contact/1001?rest=1"
    code, out, _ = run(capsys, "sign", "GET", url)
    assert code == 0
    name, value = out.strip().split(": ", 1)
    assert name == "Authorization" and value.startswith("OAuth ")
    answer = httpx.get(url, headers={name: value, "Accept": "application/json"})
    assert answer.status_code == 200, answer.text


def test_call_as_another_authentication_looked_up_by_label(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # demo's crm authentication is linked to crmCustomerId, where Anna is CRM-501
    code, out, _ = run(
        capsys, "call", "GET", "/contact/CRM-501", "--account", "demo", "--auth", "crm",
        "--url", server.base,
    )  # fmt: skip
    assert code == 0, out
    assert '"email": "anna.devries@example.com"' in out


def test_a_refused_call_exits_1_and_says_what_to_check(
    server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "call", "GET", "/contact/1001", "--key", "nobody", "--secret", "x",
        "--url", server.base,
    )  # fmt: skip
    assert code == 1
    assert out.startswith("401 ") and "AUTH_NOT_FOUND" in out
    assert "check the Key and Secret" in err
    code, out, err = run(capsys, "call", "GET", "/contact/nobody", "--url", server.base)
    assert code == 1 and out.startswith("404 ") and "check the path" in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--data", "{not json"], "--data is not JSON"),
        (["--data", "@/no/such/file.json"], "cannot read /no/such/file.json"),
        (["--query", "pageSize"], "is not NAME=VALUE"),
        (["--key", "only-a-key"], "--key and --secret go together"),
        (["--auth", "crm"], "--auth LABEL needs --account NAME"),
        (["--auth", "nope", "--account", "demo"], "account demo has no authentication nope"),
    ],
)
def test_bad_arguments_exit_2_with_what_to_pass(
    server: LiveServer, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, _, err = run(capsys, "call", "POST", "/contact", *argv, "--url", server.base)
    assert code == 2
    assert says in err


def test_an_unreachable_simulator_is_named_with_how_to_start_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from spotler_sim.testing.server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(capsys, "call", "GET", "/contact/1001", "--url", url)
    assert code == 2
    assert f"cannot reach {url}" in err and "spotler-sim serve" in err
