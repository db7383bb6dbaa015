"""gunicorn's threaded worker with a front of its own: requests are read and framed without
blocking on the worker's main thread, and a request reaches a thread only when whole.

gunicorn's ``gthread`` worker hands a connection to a thread as soon as it is readable, and the
thread then blocks reading the request: 16 clients that never finish their headers held every
thread of ``--workers 2``, and a normal call waited minutes. Here the main thread reads every
connection without blocking; httptools frames and parses each request once (``framing.py``, which
also holds the limits and refusals), and the request is served from memory
(``exchange.py`` makes its WSGI environ and writes the answer). The socket stays with the request
for the answer and for the fault effects that cut the connection. Under TLS the socket speaks TLS
before HTTP, so the front steps aside and gunicorn reads and answers as it always does (its
parser's refusals are shaped here too, instead of its HTML error page).

A whole API call is served right on the main thread while no call can wait in the server (no
fault rule delays or hangs calls, no account caps its calls in flight: store/waits.py). Handing
a call to a thread and back cost as much CPU as the call itself, and eight threads contending
for the interpreter cost a third more. Every other request (the admin API, the pages, the
refusals) and every API call while one may wait still goes to the threads, so a slow call
never holds the loop. Nor does a client that does not read its answers: on the loop the socket
never waits (``ClientSocket``), and what the kernel does not take at once a thread sends, while
the loop goes on with other connections.

A connection stays registered with the poller while it is read, served on the loop or kept
alive (one callback for all three); only a thread's request takes it off.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import sqlite3
import time
from concurrent.futures import Future
from functools import partial
from http import HTTPStatus
from typing import Any

from gunicorn import util
from gunicorn.http import errors as parse_errors
from gunicorn.workers.gthread import TConn, ThreadWorker

from spotler_sim.config import Config
from spotler_sim.errors import SpotlerError
from spotler_sim.exchange import Answer, environ
from spotler_sim.framing import (
    HEAD_LIMIT,
    HEADER_COUNT_LIMIT,
    HEADER_FIELD_LIMIT,
    REQUEST_LINE_LIMIT,
    Framer,
    Refusal,
    Request,
    expectation_failed,
    headers_too_large,
    line_too_long,
    not_http,
    refused_in_xml,
    unsupported_coding,
)
from spotler_sim.http.representation import error_payload
from spotler_sim.store.waits import calls_may_wait

__all__ = ["HEADER_COUNT_LIMIT", "HEADER_FIELD_LIMIT", "REQUEST_LINE_LIMIT", "BufferingWorker"]

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


def refusal_for(exc: BaseException) -> SpotlerError:
    """gunicorn's parser refusals (under TLS) in Spotler's shape, as the front words its own."""
    if isinstance(exc, parse_errors.LimitRequestLine):
        return line_too_long()
    if isinstance(exc, parse_errors.LimitRequestHeaders):
        return headers_too_large(str(exc))
    if isinstance(exc, parse_errors.UnsupportedTransferCoding):
        return unsupported_coding(str(exc))
    if isinstance(exc, parse_errors.ExpectationFailed):
        return expectation_failed(str(exc))
    if isinstance(exc, parse_errors.ParseException):
        return not_http(f"{type(exc).__name__}: {exc}")
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
    answer = Answer(sock)  # no request to keep the connection for
    whole = (f"{status} {HTTPStatus(status).phrase}", [("Content-Type", content_type)], body)
    if isinstance(sock, ClientSocket) and sock.on_loop:
        # On the loop nothing waits: the loop sends the refusal after the call, then the
        # connection closes (the call ends unkept).
        answer.send(*whole)
        return
    try:
        sock.settimeout(SEND_TIMEOUT)
        answer.send(*whole)
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
    """A connection read by the front: its framer, and where it is in its life."""

    def __init__(self, cfg: Any, sock: socket.socket, client: Any, server: Any, config: Config):
        super().__init__(cfg, sock, client, server)
        self.framer = Framer(config)
        self.deadline = 0.0  # when the request being read must be whole
        self.registered = False  # with the poller (not while a thread serves it)
        self.idle = False  # kept alive between requests (in keepalived_conns)
        self.busy = False  # a thread works on it: the next request waits for its answer


class BufferingWorker(ThreadWorker):  # type: ignore[misc]
    """``gthread`` with the front described above; ``spotler-sim serve`` uses it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config: Config = self.app.config
        self.reading: set[BufferedConn] = set()
        # gunicorn's settings are lookups: read once
        self.buffering = not self.cfg.is_ssl
        self.multiprocess = self.cfg.workers > 1
        self.access_logged = bool(self.cfg.accesslog)  # serve --log-level debug

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
            self.cfg, ClientSocket(client_sock), client_addr, listener.getsockname(), self.config
        )
        self._read(conn)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        """gunicorn's dispatch, without the events whose registration an earlier callback of
        the same batch replaced or removed (a connection closed, or handed to a thread, by a
        callback before its own event came up)."""
        events = self.poller.select(timeout)  # retried on EINTR by Python itself (PEP 475)
        registered = self.poller.get_map()
        for key, _ in events:
            if registered.get(key.fileobj) is key:
                key.data(key.fileobj)

    def _read(self, conn: BufferedConn) -> None:
        """Wait for (the rest of) a request on ``conn``."""
        if conn.idle:
            conn.idle = False
            self.keepalived_conns.remove(conn)
        if conn not in self.reading:
            conn.deadline = time.monotonic() + REQUEST_TIMEOUT
            self.reading.add(conn)
        self._register(conn)

    def _register(self, conn: BufferedConn) -> None:
        if not conn.registered:
            conn.sock.setblocking(False)
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))
            conn.registered = True

    def _on_readable(self, conn: BufferedConn, _: socket.socket) -> None:
        try:
            data = conn.sock.recv(RECEIVE_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away (idle, or before its request was whole)
            self._close(conn)
            return
        if conn.idle:
            self._read(conn)
        conn.framer.feed(data)
        self._next(conn)

    def _next(self, conn: BufferedConn) -> None:
        """Serve what the framer has for ``conn``: a whole request, a refusal, or nothing yet."""
        framer = conn.framer
        if conn.busy or conn.sock.fileno() < 0:  # answering, or closed meanwhile
            return
        if framer.whole:
            request = framer.whole.popleft()
            if not framer.started:
                self.reading.discard(conn)
            if request.api and not self._calls_may_wait():
                self._serve_on_loop(conn, request)
            else:
                self._to_thread(conn, partial(self._serve, conn, request))
        elif framer.refusal is not None:
            self.reading.discard(conn)
            self._to_thread(conn, partial(self._refuse, conn, framer.refusal))
        elif framer.closed:
            self._close(conn)
        elif framer.awaits_continue:
            framer.awaits_continue = False
            with contextlib.suppress(OSError):
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _serve_on_loop(self, conn: BufferedConn, request: Request) -> None:
        sock: ClientSocket = conn.sock
        sock.on_loop = True
        try:
            kept = self._serve(conn, request)  # answers every failure itself
        finally:
            sock.on_loop = False
        try:
            sock.send_now()
        except OSError:  # the client went away, or a fault cut the connection
            sock.owed.clear()
            kept = False
        if sock.owed:  # the client is slow to read: a thread waits for it, not the loop
            self._to_thread(conn, partial(self._pay, conn, kept))
            return
        self._after(conn, kept)

    def _to_thread(self, conn: BufferedConn, work: Any) -> None:
        """Let a thread do ``work`` on ``conn`` (off the poller meanwhile); then ``_after``."""
        if conn.registered:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)
            conn.registered = False
        conn.busy = True
        done = self.tpool.submit(work)
        done.add_done_callback(lambda fs: self.method_queue.defer(self.finish_request, conn, fs))

    def finish_request(self, conn: BufferedConn, fs: Future[Any]) -> None:
        if not self.buffering:
            super().finish_request(conn, fs)
            return
        conn.busy = False
        try:
            kept = bool(fs.result()) if not fs.cancelled() else False
        except Exception:
            kept = False
        self._after(conn, kept)

    def _after(self, conn: BufferedConn, kept: bool) -> None:
        """A request is answered: close the connection, or wait for (or serve) the next one."""
        if not kept or (conn.framer.closed and not conn.framer.whole):
            self._close(conn)
            return
        if conn.framer.whole or conn.framer.refusal is not None:
            # Pipelined: on the loop's next turn (served here, a hundred pipelined calls would
            # nest a hundred deep).
            self._read(conn)
            self.method_queue.defer(self._next, conn)
        elif conn.framer.started:
            self._read(conn)
        else:
            self.reading.discard(conn)
            self._read_idle(conn)

    def _read_idle(self, conn: BufferedConn) -> None:
        self._register(conn)
        conn.set_timeout()
        conn.idle = True
        self.keepalived_conns.append(conn)

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

    def _close(self, conn: BufferedConn) -> None:
        self.reading.discard(conn)
        if conn.idle:
            conn.idle = False
            with contextlib.suppress(ValueError):
                self.keepalived_conns.remove(conn)
        if conn.registered:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)
            conn.registered = False
        self.nr_conns -= 1
        conn.close()

    def murder_keepalived(self, force: bool = False) -> None:
        """gunicorn's, for connections it closes itself: they are no longer registered."""
        before = list(self.keepalived_conns)
        super().murder_keepalived(force)
        for conn in before[: len(before) - len(self.keepalived_conns)]:
            if isinstance(conn, BufferedConn):
                conn.idle = conn.registered = False

    def murder_pending(self) -> None:
        """Requests not whole in time: 408 to a client that started one, silence otherwise."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.reading if c.deadline <= now]:
            self.reading.discard(conn)
            if conn.framer.started:
                self._to_thread(
                    conn, partial(self._refuse, conn, conn.framer.timed_out(REQUEST_TIMEOUT))
                )
            else:
                self._close(conn)

    # -- serving one request (on the loop or in a thread) ------------------------------------

    def _serve(self, conn: BufferedConn, request: Request) -> bool:
        """Run the app on ``request`` and answer; whether the connection stays open."""
        sock = conn.sock
        if not (isinstance(sock, ClientSocket) and sock.on_loop):
            sock.settimeout(SEND_TIMEOUT)  # in a thread: the answer may wait for the client
        answer = Answer.to(request, sock, keep=self.alive)
        env = environ(request, sock, conn.client, conn.server, self.multiprocess)
        try:
            answer.run(self.wsgi, env)
        except OSError:  # the client went away, or a fault cut the connection
            return False
        except Exception:
            self.log.exception("Error handling request %s %r", request.method, request.target)
            if not answer.started:
                _answer(sock, Refusal(refusal_for(Exception()), request.xml))
            return False
        if self.access_logged:
            self.log.access_log.info(
                '%s "%s %s HTTP/%s" %s',
                env.get("REMOTE_ADDR", "-"),
                request.method,
                env["RAW_URI"],
                request.version,
                answer.status,
            )
        return answer.keep_alive

    def _refuse(self, conn: BufferedConn, refusal: Refusal) -> bool:
        _answer(conn.sock, refusal)
        return False

    # -- under TLS: gunicorn's own connections -------------------------------------------------

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """gunicorn's parser refused the request (or something failed): answer in Spotler's
        shape instead of gunicorn's HTML page."""
        error = refusal_for(exc)
        if error.status >= 500:
            self.log.exception("Error handling request")
        else:
            self.log.warning("Invalid request from %s: %s", (addr or ("",))[0], exc)
        xml = req is not None and refused_in_xml(str(req.path), _header(req.headers, "ACCEPT"))
        _answer(client, Refusal(error, xml))


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key == name), None)
