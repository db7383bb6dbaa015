"""gunicorn's threaded worker with a buffering front: a request reaches a thread only when whole.

gunicorn's ``gthread`` worker hands a connection to a thread as soon as it is readable, and the
thread then blocks reading the request: 16 clients that never finish their headers held every
thread of ``--workers 2``, and a normal call waited minutes. Here the worker's main thread reads
every connection without blocking and frames the request with h11; a thread gets the request
only once its line, headers and body have all arrived, and serves it from memory (it never
reads the socket, which it still holds for the answer and for the fault effects that cut the
connection).

What the front refuses, in Spotler's ``ErrorResponse`` shape (XML when an API call did not ask
for JSON), before any thread is used:

* a request head (request line and headers) over ``HEAD_LIMIT`` bytes: 431;
* a body over the simulator's body limit (the admin API's is larger), by Content-Length or once
  the chunks pass it: 413;
* a request not whole ``REQUEST_TIMEOUT`` seconds after its first byte: 408;
* what h11 cannot frame as HTTP/1.1: 400.

gunicorn's own parser then reads the whole request and keeps its limits (``REQUEST_LINE_LIMIT``
for the request line: 414; ``HEADER_FIELD_LIMIT`` bytes per header and ``HEADER_COUNT_LIMIT``
headers: 431; malformed lines and headers, Content-Length with Transfer-Encoding: 400); its
refusals are shaped here too, instead of its HTML error page. Under TLS the socket speaks
TLS before HTTP, so the front steps aside and gunicorn reads as it always does.

A whole API call is served right on the main thread while no call can wait in the server (no
fault rule delays or hangs calls, no account caps its calls in flight: store/waits.py). Handing
a call to a thread and back cost as much CPU as the call itself, and eight threads contending
for the interpreter cost a third more. Every other request (the admin API, the pages, the
refusals above) and every API call while one may wait still goes to the threads, so a slow call
never holds the loop. Nor does a client that does not read its answers: on the loop the socket
never waits (``ClientSocket``), and what the kernel does not take at once a thread sends, while
the loop goes on with other connections.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import sqlite3
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any

import h11
from gunicorn import util
from gunicorn.http import RequestParser
from gunicorn.http import errors as parse_errors
from gunicorn.workers.gthread import TConn, ThreadWorker

from spotler_sim.config import ADMIN_PREFIX, API_PREFIXES, Config
from spotler_sim.errors import SpotlerError
from spotler_sim.http.representation import error_payload, prefers_xml
from spotler_sim.store.waits import calls_may_wait

REQUEST_LINE_LIMIT = 8190  # bytes of "GET /path?query HTTP/1.1" (gunicorn's largest)
HEADER_FIELD_LIMIT = 8190  # bytes of one header line
HEADER_COUNT_LIMIT = 100
HEAD_LIMIT = 64 * 1024  # the request line and every header together
REQUEST_TIMEOUT = 30.0  # seconds from a request's first byte until it must be whole
SEND_TIMEOUT = 30.0  # seconds an answer may wait for a client that does not read
RECEIVE_SIZE = 64 * 1024

LIMITS_HELP = (
    f"Requests are refused in Spotler's error shape when the request line passes "
    f"{REQUEST_LINE_LIMIT} bytes (414), a header {HEADER_FIELD_LIMIT} bytes, the headers "
    f"{HEADER_COUNT_LIMIT} or {HEAD_LIMIT // 1024} KiB in all (431), the body "
    f"{Config.max_body_bytes // (1024 * 1024)} MiB (the admin API's "
    f"{Config.max_admin_body_bytes // (1024 * 1024)} MiB: 413), or when a request is not whole "
    f"{REQUEST_TIMEOUT:.0f} s after its first byte (408). A request reaches a thread only once "
    "whole, so slow clients cannot hold the threads."
)


@dataclass
class Refusal:
    error: SpotlerError
    xml: bool


class _Framer:
    """One request being read: h11 says when it is whole, or why it cannot be."""

    def __init__(self, config: Config) -> None:
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=HEAD_LIMIT)
        self._config = config
        self._body_limit = config.max_body_bytes
        self._admin = False
        self._body = 0
        self.raw = bytearray()
        self.xml = False
        self.api = False  # a call of the API (not the admin API, a page or the contract)
        self.started = False

    def feed(self, data: bytes) -> bytes | Refusal | None:
        """Take received bytes: the whole request once it is complete (bytes after it stay in
        ``leftover``), a refusal, or None while more must arrive."""
        self.raw += data
        self.started = self.started or bool(data)
        self._h11.receive_data(data)
        try:
            while True:
                event = self._h11.next_event()
                if event is h11.NEED_DATA:
                    return None
                if isinstance(event, h11.Request):
                    self._read_head(event)
                    if self.raw.find(b"\r\n\r\n") + 4 > HEAD_LIMIT:
                        return Refusal(_head_too_large(), self.xml)
                    length = dict(event.headers).get(b"content-length", b"0")
                    if length.isdigit() and int(length) > self._body_limit:
                        return self._too_large()
                elif isinstance(event, h11.Data):
                    self._body += len(event.data)
                    if self._body > self._body_limit:
                        return self._too_large()
                elif isinstance(event, h11.EndOfMessage):
                    whole = len(self.raw) - len(self._h11.trailing_data[0])
                    return bytes(self.raw[:whole])
                else:  # the client closed in the middle of a request
                    return None
        except h11.RemoteProtocolError as exc:
            return Refusal(_unframed(exc), self.xml)

    @property
    def leftover(self) -> bytes:
        """What the client sent after the request (pipelining): the start of the next one."""
        return bytes(self._h11.trailing_data[0])

    @property
    def awaits_continue(self) -> bool:
        return bool(self._h11.they_are_waiting_for_100_continue)

    def _read_head(self, request: h11.Request) -> None:
        self.xml = _answers_xml(request.target, dict(request.headers).get(b"accept"))
        target = request.target.decode("latin-1")
        self.api = target.startswith(API_PREFIXES)
        self._admin = target.startswith(ADMIN_PREFIX)
        if self._admin:  # seeds and snapshots are large on purpose
            self._body_limit = self._config.max_admin_body_bytes

    def _too_large(self) -> Refusal:
        return Refusal(SpotlerError.body_too_large(self._body_limit, admin=self._admin), self.xml)


def _head_too_large() -> SpotlerError:
    return SpotlerError(
        431,
        "INVALID_PARAMS",
        f"the request line and headers are larger than {HEAD_LIMIT // 1024} KiB in all: "
        "send fewer or smaller headers",
    )


def _unframed(exc: h11.RemoteProtocolError) -> SpotlerError:
    if exc.error_status_hint == 431:
        return _head_too_large()
    if exc.error_status_hint == 501:
        return SpotlerError(
            501,
            "INVALID_PARAMS",
            f"{exc}: send the body with Content-Length, or with Transfer-Encoding: chunked",
        )
    return SpotlerError(
        400, "INVALID_PARAMS", f"the request is not valid HTTP/1.1 ({exc}): fix the request"
    )


def refusal_for(exc: BaseException) -> SpotlerError:
    """gunicorn's parser refusals in Spotler's shape, each saying what to do instead."""
    if isinstance(exc, parse_errors.LimitRequestLine):
        return SpotlerError(
            414,
            "INVALID_PARAMS",
            f"the request line is longer than {REQUEST_LINE_LIMIT} bytes: send fewer or shorter "
            "query parameters (lists page with after and pageSize)",
        )
    if isinstance(exc, parse_errors.LimitRequestHeaders):
        return SpotlerError(
            431,
            "INVALID_PARAMS",
            f"the request headers are too large ({exc}): send at most {HEADER_COUNT_LIMIT} "
            f"headers of at most {HEADER_FIELD_LIMIT} bytes each",
        )
    if isinstance(exc, parse_errors.UnsupportedTransferCoding):
        return SpotlerError(
            501,
            "INVALID_PARAMS",
            f"{exc}: send the body with Content-Length, or with Transfer-Encoding: chunked",
        )
    if isinstance(exc, parse_errors.ExpectationFailed):
        return SpotlerError(
            417, "INVALID_PARAMS", f"{exc}: the only expectation served is 100-continue"
        )
    if isinstance(exc, parse_errors.ParseException):
        return SpotlerError(
            400,
            "INVALID_PARAMS",
            f"the request is not valid HTTP/1.1 ({type(exc).__name__}: {exc}): send one "
            "request line, then headers of visible ASCII, and either Content-Length or "
            "Transfer-Encoding, never both",
        )
    return SpotlerError(
        500,
        "BACKEND_EXCEPTION",
        "the simulator failed on this request; nothing was stored. The server log has the "
        "details: please report it with the request that caused it",
    )


def _answer(sock: socket.socket, refusal: Refusal) -> None:
    """Write a refusal and end the connection (in a thread it may wait)."""
    content_type, body = error_payload(refusal.error.body(), xml=refusal.xml)
    status = refusal.error.status
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    if isinstance(sock, ClientSocket) and sock.on_loop:
        # On the loop nothing waits: the loop sends the refusal after the call, then the
        # connection closes (the call ends unkept).
        sock.sendall(head.encode("latin-1") + body)
        return
    try:
        sock.settimeout(SEND_TIMEOUT)
        sock.sendall(head.encode("latin-1") + body)
    except OSError:
        pass
    util.close_graceful(sock)


class ClientSocket(socket.socket):
    """A client's connection. While the loop serves a call on it (``on_loop``) the socket does
    not block and ``sendall`` only gathers the answer in ``owed``: the loop then sends it in one
    go (one segment for head and body alike), as much as the kernel takes at once, and what a
    client that does not read its answers leaves owed a thread sends."""

    def __init__(self, accepted: socket.socket) -> None:
        super().__init__(accepted.family, accepted.type, accepted.proto, accepted.detach())
        self.on_loop = False
        self.owed = bytearray()

    def sendall(self, data: Any, flags: int = 0) -> None:
        if self.on_loop:
            self.owed += data
        else:
            super().sendall(data, flags)

    def send_now(self) -> None:
        """Send what the kernel takes at once of what is owed (the socket does not block)."""
        sent = 0
        with memoryview(self.owed) as owed:
            while sent < len(owed):
                try:
                    sent += self.send(owed[sent:])
                except (BlockingIOError, InterruptedError):
                    break
        del self.owed[:sent]

    def pay(self) -> None:
        """Send what is owed, waiting as a thread may (up to the send timeout)."""
        self.settimeout(SEND_TIMEOUT)
        owed, self.owed = bytes(self.owed), bytearray()
        super().sendall(owed)


class BufferedConn(TConn):  # type: ignore[misc]
    """A connection whose requests are read by the front, one framer per request."""

    def __init__(self, cfg: Any, sock: socket.socket, client: Any, server: Any) -> None:
        super().__init__(cfg, sock, client, server)
        self.framer: _Framer | None = None
        self.leftover = b""
        self.message = b""
        self.refusal: Refusal | None = None
        self.api = False  # the request is an API call (see _Framer.api)
        self.deadline = 0.0
        self.data_ready = True  # the front waited for the data already

    def init(self) -> None:
        """Runs in the thread before the request is parsed: gunicorn's parser reads the
        request from memory; the socket only carries the answer, with a send timeout."""
        if self.cfg.is_ssl:
            super().init()
            return
        self.initialized = True
        if isinstance(self.sock, ClientSocket) and self.sock.on_loop:
            self.sock.setblocking(False)
        else:
            self.sock.settimeout(SEND_TIMEOUT)
        self.parser = RequestParser(self.cfg, iter([self.message]), self.client)


class BufferingWorker(ThreadWorker):  # type: ignore[misc]
    """``gthread`` with the buffering front described above; ``spotler-sim serve`` uses it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config: Config = self.app.config
        self.reading: set[BufferedConn] = set()
        self.serving = threading.local()
        self.buffering = not self.cfg.is_ssl  # read once: gunicorn's setting is a lookup

    # -- the front: runs on the worker's main thread and never blocks --------------------------

    def accept(self, listener: socket.socket) -> None:
        if not self.buffering:
            super().accept(listener)
            return
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = BufferedConn(
            self.cfg, ClientSocket(client_sock), client_addr, listener.getsockname()
        )
        self._read_next(conn)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        """gunicorn's dispatch, without the events whose registration an earlier callback of
        the same batch replaced or removed: a call served on the loop takes up the pipelined
        request after it, whose connection may also be ready in that batch (its callback then
        acted on a connection no longer kept alive)."""
        events = self.poller.select(timeout)  # retried on EINTR by Python itself (PEP 475)
        registered = self.poller.get_map()
        for key, _ in events:
            if registered.get(key.fileobj) is key:
                key.data(key.fileobj)

    def on_client_socket_readable(self, conn: BufferedConn, client: socket.socket) -> None:
        """A kept-alive connection sends its next request."""
        if not self.buffering:
            super().on_client_socket_readable(conn, client)
            return
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_next(conn)

    def _read_next(self, conn: BufferedConn) -> None:
        conn.sock.setblocking(False)
        conn.framer = _Framer(self.config)
        conn.refusal = None
        conn.deadline = time.monotonic() + REQUEST_TIMEOUT
        self.reading.add(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
        if conn.leftover:  # a pipelined request may be whole already
            leftover, conn.leftover = conn.leftover, b""
            self._take(conn, leftover)

    def _on_readable(self, conn: BufferedConn, client: socket.socket) -> None:
        try:
            data = conn.sock.recv(RECEIVE_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away before the request was whole
            self._stop_reading(conn)
            self._close(conn)
            return
        self._take(conn, data)

    def _take(self, conn: BufferedConn, data: bytes) -> None:
        assert conn.framer is not None
        outcome = conn.framer.feed(data)
        if outcome is None:
            if conn.framer.awaits_continue:
                with contextlib.suppress(OSError):
                    conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            return
        self._stop_reading(conn)
        if isinstance(outcome, Refusal):
            conn.refusal = outcome
        else:
            conn.message = outcome
            conn.leftover = conn.framer.leftover
            conn.api = conn.framer.api
        conn.framer = None
        self.enqueue_req(conn)

    def _stop_reading(self, conn: BufferedConn) -> None:
        self.reading.discard(conn)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def _close(self, conn: BufferedConn) -> None:
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """Requests not whole in time: 408 to a client that started one, silence otherwise."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.reading if c.deadline <= now]:
            self._stop_reading(conn)
            if conn.framer is not None and conn.framer.started:
                conn.refusal = Refusal(
                    SpotlerError(
                        408,
                        "INVALID_PARAMS",
                        f"the request was not complete within {REQUEST_TIMEOUT:.0f} seconds: "
                        "send the whole request at once",
                    ),
                    conn.framer.xml,
                )
                conn.framer = None
                self.enqueue_req(conn)
            else:
                self._close(conn)

    def enqueue_req(self, conn: BufferedConn) -> None:
        """An API call that cannot wait is served here on the main thread (see above); any
        other request goes to a thread."""
        if not (self.buffering and conn.api and conn.refusal is None) or self._calls_may_wait():
            super().enqueue_req(conn)
            return
        sock: ClientSocket = conn.sock
        sock.on_loop = True
        try:
            kept = self.handle(conn)  # handle() answers every failure itself
        finally:
            sock.on_loop = False
        try:
            sock.send_now()
        except OSError:  # the client went away, or a fault cut the connection
            sock.owed.clear()
            kept = False
        if sock.owed:  # the client is slow to read: a thread waits for it, not the loop
            fs = self.tpool.submit(self._pay, conn, kept)
            fs.add_done_callback(
                lambda done: self.method_queue.defer(self.finish_request, conn, done)
            )
            return
        served: Future[Any] = Future()
        served.set_result(kept)
        self.finish_request(conn, served)

    def _pay(self, conn: BufferedConn, kept: bool) -> bool:
        """Runs in a thread: send the rest of an answer served on the loop, then keep the
        connection as the answer said (closed if the client never takes it)."""
        try:
            conn.sock.pay()
        except OSError:
            return False
        return kept

    def _calls_may_wait(self) -> bool:
        try:  # no transaction: a label read before a change only makes the next call ask again
            return calls_may_wait(self.wsgi.extensions["spotler"].state.db.connection())
        except sqlite3.Error:  # cannot tell: the threads serve every request
            return True

    def finish_request(self, conn: BufferedConn, fs: Any) -> None:
        super().finish_request(conn, fs)
        if self.buffering and conn.leftover and conn in self.keepalived_conns:
            # The pipelined request after it, on the loop's next turn: served on this thread,
            # a hundred pipelined calls would otherwise nest a hundred deep.
            self.method_queue.defer(self._serve_leftover, conn)

    def _serve_leftover(self, conn: BufferedConn) -> None:
        if conn.leftover and conn in self.keepalived_conns:  # not read by the poller meanwhile
            self.on_client_socket_readable(conn, conn.sock)

    # -- the threads ---------------------------------------------------------------------------

    def handle(self, conn: BufferedConn) -> Any:
        self.serving.conn = conn
        # Under TLS gunicorn's own connections arrive (not buffered), which carry no refusal.
        refusal: Refusal | None = getattr(conn, "refusal", None)
        if refusal is not None:
            _answer(conn.sock, refusal)
            return False
        return super().handle(conn)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """gunicorn's parser refused the request (or something failed): answer in Spotler's
        shape instead of gunicorn's HTML page."""
        error = refusal_for(exc)
        if error.status >= 500:
            self.log.exception("Error handling request")
        else:
            self.log.warning("Invalid request from %s: %s", (addr or ("",))[0], exc)
        conn = getattr(self.serving, "conn", None)
        # Under TLS gunicorn's own connections arrive, which keep no bytes of the request.
        message = getattr(conn, "message", b"") if conn is not None and conn.sock is client else b""
        xml = bool(message) and _asked_xml(message)
        _answer(client, Refusal(error, xml))


def _asked_xml(message: bytes) -> bool:
    """Whether a request gunicorn refused is answered in XML, read leniently from its bytes."""
    lines = message.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    words = lines[0].split(b" ")
    headers = dict(line.partition(b":")[::2] for line in lines[1:])
    accept = next((v for k, v in headers.items() if k.strip().lower() == b"accept"), None)
    return _answers_xml(words[1] if len(words) > 1 else b"", accept)


def _answers_xml(target: bytes, accept: bytes | None) -> bool:
    """A refusal is XML for a call of the API that did not ask for JSON (as every answer)."""
    text = accept.strip().decode("latin-1") if accept is not None else None
    return target.decode("latin-1").startswith(API_PREFIXES) and prefers_xml(text)
