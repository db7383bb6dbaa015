"""Hostile and broken HTTP against ``spotler-sim serve --workers 2``, over real sockets.

Raw sockets send what a client library refuses to (a request that never ends, a header with a
control character, Content-Length with Transfer-Encoding); every refusal must come back in
Spotler's shape with the right status, never as gunicorn's HTML page.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from spotler_sim.testing.server import free_port
from spotler_sim.testing.signing import sign
from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving

API = "/integrationservice-1.1.0"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("hostile") / "serve.log"
    with serving(log, "--workers", "2") as live:
        yield live


def connect(server: LiveServer, timeout: float = 10) -> socket.socket:
    host, port = server.base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def exchange(server: LiveServer, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` on a fresh connection; the status, headers and body of the answer."""
    with connect(server) as sock:
        sock.sendall(raw)
        received = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
            head, sep, body = received.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    return status, headers, body


def spotler_error(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """The ``{errorType, message}`` of a refusal in JSON or XML: asserts the shape."""
    kind = headers["content-type"]
    if kind.startswith("application/json"):
        document = json.loads(body)
    else:
        assert kind.startswith("application/xml"), (kind, body[:200])
        root = ET.fromstring(body)
        assert root.tag == "errorResponse"
        document = {child.tag: child.text or "" for child in root}
    assert set(document) == {"errorType", "message"}, document
    assert "<html" not in body.decode("utf-8", "replace").lower()
    return document


def test_slow_clients_do_not_hold_the_threads(server: LiveServer) -> None:
    """100 connections that never finish their headers: a normal call still answers at once."""
    with ExitStack() as stack:
        for _ in range(100):
            sock = stack.enter_context(connect(server))
            sock.sendall(f"GET {API}/contact/1001 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode())
        with server.signed(*DEMO_KEYS["webshop"], timeout=5) as client:
            for _ in range(4):  # both workers, several threads
                assert client.get("/contact/properties/list").status_code == 200


def test_a_slow_body_does_not_hold_a_thread(server: LiveServer) -> None:
    with ExitStack() as stack:
        for _ in range(40):
            sock = stack.enter_context(connect(server))
            sock.sendall(
                f"POST {API}/contact HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{".encode()
            )
        with server.signed(*DEMO_KEYS["webshop"], timeout=5) as client:
            assert client.get("/contact/properties/list").status_code == 200


def test_an_oversized_request_line_is_414_in_spotlers_shape(server: LiveServer) -> None:
    query = "x=" + "a" * 20_000
    status, headers, body = exchange(
        server,
        f"GET {API}/contact/1001?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: application/json\r\n\r\n".encode(),
    )
    assert status == 414
    error = spotler_error(headers, body)
    assert error["errorType"] == "INVALID_PARAMS" and "8190" in error["message"]


def test_an_enormous_request_line_is_refused_without_reading_it_all(server: LiveServer) -> None:
    """10 MB of query: refused once the limit is passed, not read whole."""
    with connect(server) as sock:
        sock.sendall(f"GET {API}/contact/1001?x=".encode())
        chunk = b"a" * 65536
        refused = False
        for _ in range(160):
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                refused = True
                break
        assert refused, "the server kept reading a 10 MB request line"


@pytest.mark.parametrize(
    "extra",
    [
        f"X-Big: {'b' * 10_000}\r\n",  # one header over 8190 bytes
        "".join(f"X-H{i}: v\r\n" for i in range(150)),  # over 100 headers
        "".join(f"X-H{i}: {'v' * 8000}\r\n" for i in range(12)),  # over 64 KiB in all
    ],
    ids=["one-header", "header-count", "head-size"],
)
def test_oversized_headers_are_431_in_spotlers_shape(server: LiveServer, extra: str) -> None:
    status, headers, body = exchange(
        server,
        f"GET {API}/contact/1001 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        f"{extra}\r\n".encode(),
    )
    assert status == 431
    assert spotler_error(headers, body)["errorType"] == "INVALID_PARAMS"


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /integrationservice-1.1.0/contact/1001 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"X-Bad: a\x01b\r\n\r\n",
        b"POST /integrationservice-1.1.0/contact HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"GET /integrationservice-1.1.0/contact/1001 HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
        b"G@T /integrationservice-1.1.0/contact/1001 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"NONSENSE\r\n\r\n",
    ],
    ids=["control-character", "cl-and-te", "http-version", "method", "request-line"],
)
def test_malformed_requests_are_400_in_spotlers_shape(server: LiveServer, raw: bytes) -> None:
    status, headers, body = exchange(server, raw)
    assert status == 400, body
    assert spotler_error(headers, body)["errorType"] == "INVALID_PARAMS"


def test_a_refusal_is_xml_when_the_client_did_not_ask_json(server: LiveServer) -> None:
    status, headers, body = exchange(
        server,
        f"GET {API}/contact/1001 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {'b' * 10_000}\r\n\r\n".encode(),
    )
    assert status == 431 and headers["content-type"].startswith("application/xml")
    spotler_error(headers, body)


def test_a_chunked_body_over_the_limit_is_413_like_content_length(server: LiveServer) -> None:
    chunk = b"a" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(40)) + b"0\r\n\r\n"
    status, headers, answer = exchange(
        server,
        f"POST {API}/contact HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        + body,
    )
    assert status == 413
    chunked = spotler_error(headers, answer)
    status, headers, answer = exchange(
        server,
        f"POST {API}/contact HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        f"Content-Type: application/json\r\nContent-Length: {40 * 65536}\r\n\r\n".encode(),
    )
    assert status == 413
    assert spotler_error(headers, answer) == chunked


def test_a_chunked_body_within_the_limit_is_served(server: LiveServer) -> None:
    """Framing by the front keeps chunked bodies, keep-alive and pipelining working."""
    with server.signed(*DEMO_KEYS["webshop"], timeout=5) as client:
        contact = {"update": True, "contact": {"externalId": "chunk-1", "properties": {}}}

        def chunks() -> Iterator[bytes]:
            text = json.dumps(contact).encode()
            yield text[:10]
            yield text[10:]

        answer = client.post(
            "/contact", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 204, answer.text
        assert client.get("/contact/chunk-1").status_code == 200  # the same kept-alive connection


def test_http_1_0_is_answered_and_the_connection_closed(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(
            f"GET {API}/contact/1001 HTTP/1.0\r\nAccept: application/json\r\n\r\n".encode()
        )
        received = b""
        while data := sock.recv(65536):  # ends when the server closes
            received += data
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 401 ") and b"Connection: close" in head
    assert json.loads(body)["errorType"] == "NOT_AUTHORIZED"


def test_a_body_expecting_100_continue_gets_it_then_its_answer(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(
            f"POST {API}/contact HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        assert sock.recv(1000) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"{}")
        head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 401 ")  # unsigned: refused, but read and answered


def test_an_expectation_other_than_100_continue_is_417(server: LiveServer) -> None:
    status, headers, body = exchange(
        server,
        f"GET {API}/contact/1001 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        "Expect: coffee\r\n\r\n".encode(),
    )
    assert status == 417 and "100-continue" in spotler_error(headers, body)["message"]


# ---- what a body or a parameter may hold --------------------------------------------------------


def signed(server: LiveServer) -> httpx.Client:
    return server.signed(*DEMO_KEYS["webshop"], timeout=10)


def refused_as_invalid(answer: httpx.Response) -> str:
    assert answer.status_code == 400, answer.text
    assert answer.json()["errorType"] == "INVALID_PARAMS"
    return str(answer.json()["message"])


@pytest.mark.parametrize("text", ["a\u0001b", "nul\u0000", "\ufffe", "esc\u001b[0m"])
def test_text_no_xml_answer_can_carry_is_refused(server: LiveServer, text: str) -> None:
    external_id = f"ctl-{ord(text[-1])}"
    contact = {"update": True, "contact": {"externalId": external_id, "properties": {}}}
    contact["contact"]["properties"] = {"firstName": text}
    with signed(server) as api:
        message = refused_as_invalid(api.post("/contact", json=contact))
        assert "firstName" in message and "U+" in message
        answer = api.get(f"/contact/{external_id}", headers={"Accept": "application/xml"})
    assert answer.status_code == 404  # nothing was stored
    ET.fromstring(answer.content)  # and the answer is well-formed XML


def test_a_raw_utf8_surrogate_is_refused(server: LiveServer) -> None:
    body = b'{"update": true, "contact": {"externalId": "sur-1", "properties": {"firstName": "\xed\xa0\x80"}}}'
    with signed(server) as api:
        message = refused_as_invalid(
            api.post("/contact", content=body, headers={"Content-Type": "application/json"})
        )
        assert "UTF-8" in message
        assert api.get("/contact/sur-1").status_code == 404


def test_a_dtd_is_refused_whatever_the_encoding(server: LiveServer) -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE params [<!ENTITY who "expanded-entity@example.com">]>'
        "<params><postUrl>https://shop.example/f</postUrl><formParams><entry><key>email</key>"
        "<value><item>&who;</item></value></entry></formParams></params>"
    )
    with signed(server) as api:
        answer = api.post(
            "/form/result/3101",
            content=document.encode("utf-16"),
            headers={"Content-Type": "application/xml", "Accept": "application/json"},
        )
        message = refused_as_invalid(answer)
        assert "DOCTYPE" in message or "DTD" in message
        found = api.get(
            "/contact/search", params={"MPSearchQuery": "email=expanded-entity@example.com"}
        )
        assert found.status_code == 200 and found.json()["contacts"] == []


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/form/3_101", {}),
        ("/form/\uff13\uff11\uff10\uff11", {}),  # full-width 3101
        ("/form/%203101", {}),
        ("/form/3101%20", {}),
        (
            "/contact/updates/list",
            {"fromDate": "2024-01-01", "toDate": "2024-01-02", "pageSize": "\u0661\u0662"},
        ),  # Arabic-Indic 12
        (
            "/contact/updates/list",
            {"fromDate": "2024-01-01", "toDate": "2024-01-02", "pageSize": "1_0"},
        ),
        (
            "/contact/updates/list",
            {"fromDate": "2024-01-01", "toDate": "2024-01-02", "pageSize": " 10"},
        ),
    ],
    ids=[
        "underscore",
        "full-width",
        "leading-space",
        "trailing-space",
        "arabic",
        "pagesize-underscore",
        "pagesize-space",
    ],
)
def test_integer_parameters_take_ascii_digits_only(
    server: LiveServer, path: str, params: dict[str, str]
) -> None:
    if path.startswith("/form/"):
        params = {"postUrl": "https://shop.example/f"}
    with signed(server) as api:
        message = refused_as_invalid(api.get(path, params=params))
    assert "integer" in message


def test_integer_parameters_in_ascii_are_served(server: LiveServer) -> None:
    with signed(server) as api:
        assert (
            api.get("/form/3101", params={"postUrl": "https://shop.example/f"}).status_code == 200
        )
        assert (
            api.get(
                "/contact/updates/list",
                params={"fromDate": "2024-01-01", "toDate": "2024-01-02", "pageSize": "12"},
            ).status_code
            == 200
        )


def test_oauth_parameters_sent_twice_are_a_401_saying_so(server: LiveServer) -> None:
    url = f"{server.base}{API}/contact/1001"
    key, secret = DEMO_KEYS["webshop"]
    signed_query, _ = sign("GET", url, key, secret, placement="query")
    _, header = sign("GET", url, key, secret)
    answer = httpx.get(signed_query, headers={**header, "Accept": "application/json"}, timeout=10)
    assert answer.status_code == 401, answer.text
    assert answer.json()["errorType"] == "NOT_AUTHORIZED"
    assert "one place" in answer.json()["message"]


def test_a_malformed_request_over_tls_is_refused_in_spotlers_shape(tmp_path: Path) -> None:
    """Under TLS gunicorn reads the request itself: its refusals are shaped here too."""
    port = free_port()
    pidfile = tmp_path / "tls.pid"
    serve = [sys.executable, "-m", "spotler_sim.cli"]
    started = subprocess.run(
        [*serve, "serve", "--tls", "--tls-dir", str(tmp_path / "tls"), "--detach",
         "--pidfile", str(pidfile), "--port", str(port), "--db", str(tmp_path / "s.db")],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        context = ssl.create_default_context(cafile=tmp_path / "tls" / "ca.pem")
        with (
            socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
        ):
            sock.sendall(
                f"GET {API}/contact/1001 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\x01b\r\n\r\n".encode()
            )
            received = b""
            while data := sock.recv(65536):
                received += data
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), received[:300]
        assert json.loads(body)["errorType"] == "INVALID_PARAMS"
    finally:
        subprocess.run([*serve, "stop", "--pidfile", str(pidfile)], timeout=60, check=False)
