"""Kept-alive connections outlive a client's short pause: a connector that waited a Retry-After of
a few seconds sends its next call on the connection it has."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from tests.e2e.answers import read_answers
from tests.plugins.simulator import LiveServer


def _get(sock: socket.socket, host: str) -> bytes:
    """The head of one whole answer (its body read too, so that nothing of it is left on the
    socket to be read as the start of the next answer)."""
    sock.sendall(f"GET /__admin/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    answers = read_answers(sock, 1)
    return answers[0][0] if answers else b""


def test_an_idle_connection_stays_open_past_a_short_pause(live_server: LiveServer) -> None:
    address = urlsplit(live_server.base)
    host = f"{address.hostname}:{address.port}"
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        assert _get(sock, host).startswith(b"HTTP/1.1 200")
        # The pause itself is what is tested: gunicorn's default closed idle connections after
        # 2 s, and the next call on this connection met a closed socket.
        time.sleep(3)
        try:
            again = _get(sock, host)
        except ConnectionResetError:
            again = b"reset"
    assert again.startswith(b"HTTP/1.1 200"), again[:80]
