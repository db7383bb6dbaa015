"""A request through a WSGI app and its answer on the socket (exchange.py), without a server."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.config import Config
from spotler_sim.exchange import Answer, environ
from spotler_sim.framing import Framer, Request

StartResponse = Callable[..., Any]


def request(raw: bytes) -> Request:
    framer = Framer(Config(db_path=":memory:"))
    framer.feed(raw)
    return framer.whole[0]


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.settimeout(5)
        yield ours, theirs


def answered(
    pair: tuple[socket.socket, socket.socket], raw: bytes, app: Any, *, keep: bool = True
) -> tuple[bytes, bool]:
    ours, theirs = pair
    answer = Answer.to(request(raw), ours, keep=keep)
    answer.run(app, {})
    ours.shutdown(socket.SHUT_WR)
    received = b""
    while data := theirs.recv(65536):
        received += data
    return received, answer.keep_alive


def app_of(status: str, headers: list[tuple[str, str]], body: Iterable[bytes]) -> Any:
    def app(_: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response(status, headers)
        return body

    return app


GET = b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n"


def test_an_answer_of_known_length_is_sent_with_it(pair: Any) -> None:
    headers = [("Content-Type", "text/plain"), ("Content-Length", "2")]  # as Flask gives it
    sent, kept = answered(pair, GET, app_of("200 OK", headers, [b"hi"]))
    head, _, body = sent.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 2" in head
    assert head.count(b"Content-Length") == 1  # the app's own, not a second one added to it
    assert b"Connection: keep-alive" in head and b"Date: " in head and body == b"hi" and kept


@given(st.lists(st.binary(max_size=50), max_size=5))
def test_an_answer_of_unknown_length_is_chunked_and_whole(pieces: list[bytes]) -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        Answer.to(request(GET), ours, keep=True).run(app_of("200 OK", [], iter(pieces)), {})
        ours.shutdown(socket.SHUT_WR)
        received = b""
        while data := theirs.recv(65536):
            received += data
    head, _, rest = received.partition(b"\r\n\r\n")
    if not any(pieces):  # nothing to send: known to be empty when the head goes
        assert b"Content-Length: 0" in head and rest == b""
        return
    assert b"Transfer-Encoding: chunked" in head
    body = b""
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        body, rest = body + rest[:size], rest[size + 2 :]
    assert body == b"".join(pieces) and rest == b"\r\n"


def test_head_204_and_http_1_0_answers(pair: Any) -> None:
    ours, theirs = pair
    answer = Answer.to(request(b"HEAD /x HTTP/1.1\r\n\r\n"), ours, keep=True)
    answer.run(app_of("200 OK", [("Content-Length", "5")], [b"hello"]), {})
    answer = Answer.to(request(b"GET /x HTTP/1.1\r\n\r\n"), ours, keep=True)
    answer.run(app_of("204 NO CONTENT", [], []), {})
    answer = Answer.to(request(b"GET /x HTTP/1.0\r\n\r\n"), ours, keep=True)
    answer.run(app_of("200 OK", [], iter([b"a", b"b"])), {})
    assert not answer.keep_alive  # an HTTP/1.0 body without a length ends at close
    ours.shutdown(socket.SHUT_WR)
    received = b""
    while data := theirs.recv(65536):
        received += data
    first, second, third = received.split(b"HTTP/1.")[1:]
    assert b"Content-Length: 5" in first and not first.endswith(b"hello")
    assert second.endswith(b"\r\n\r\n") and b"Content-Length" not in second
    assert third.startswith(b"0 200 OK") and third.endswith(b"\r\n\r\nab")
    assert b"Connection: close" in third


def test_the_app_or_a_stopping_server_closes_the_connection(pair: Any) -> None:
    _, kept = answered(pair, GET, app_of("200 OK", [("Connection", "close")], [b""]))
    assert not kept
    ours, theirs = socket.socketpair()
    with ours, theirs:
        answer = Answer.to(request(GET), ours, keep=False)
        answer.run(app_of("200 OK", [], [b"x"]), {})
        assert not answer.keep_alive and b"Connection: close" in theirs.recv(1000)


def test_the_environ_holds_the_request_as_pep_3333_says(pair: Any) -> None:
    raw = (
        b"POST /integrationservice-1.1.0/contact/a%2Fb%C3%A9?x=1&y=%20 HTTP/1.1\r\n"
        b"Host: 127.0.0.1:8080\r\nContent-Type: application/json\r\nX-Many: 1\r\n"
        b"X-Many: 2\r\nX_Under: dropped\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    )
    env = environ(request(raw), pair[0], ("127.0.0.1", 5000), ("127.0.0.1", 8080), True)
    assert env["REQUEST_METHOD"] == "POST"
    assert env["PATH_INFO"] == "/integrationservice-1.1.0/contact/a/b\u00c3\u00a9"  # latin-1
    assert env["QUERY_STRING"] == "x=1&y=%20"
    assert env["RAW_URI"] == "/integrationservice-1.1.0/contact/a%2Fb%C3%A9?x=1&y=%20"
    assert (env["SERVER_NAME"], env["SERVER_PORT"]) == ("127.0.0.1", "8080")
    assert (env["REMOTE_ADDR"], env["REMOTE_PORT"]) == ("127.0.0.1", "5000")
    assert env["CONTENT_TYPE"] == "application/json" and env["CONTENT_LENGTH"] == "2"
    assert env["HTTP_X_MANY"] == "1,2" and "HTTP_X_UNDER" not in env
    assert env["wsgi.input"].read() == b"{}" and env["gunicorn.socket"] is pair[0]


def test_an_answer_the_server_makes_itself_is_whole_and_closes(pair: Any) -> None:
    ours, theirs = pair
    answer = Answer(ours)  # a refusal: no request to keep the connection for
    answer.send("431 REQUEST HEADER FIELDS TOO LARGE", [("Content-Type", "text/plain")], b"big")
    ours.shutdown(socket.SHUT_WR)
    received = b""
    while data := theirs.recv(65536):
        received += data
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ") and b"Content-Length: 3" in head
    assert b"Connection: close" in head and body == b"big" and not answer.keep_alive
