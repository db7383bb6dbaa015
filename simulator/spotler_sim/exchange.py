"""One request through the WSGI app: its environ (PEP 3333) from the framed request, and its
answer written to the client's socket.

The answer is framed by its Content-Length when the app gives one, else chunked (HTTP/1.1) or
by closing the connection (HTTP/1.0). The connection stays open after it when the client
keeps it (``Request.keep_alive``), the server is not stopping and the app did not close it.
"""

from __future__ import annotations

import io
import socket
import sys
from collections.abc import Callable, Iterable
from email.utils import formatdate
from time import time
from typing import Any
from urllib.parse import unquote_to_bytes

from spotler_sim.framing import Request

SERVER_SOFTWARE = "spotler-sim"
_NO_BODY = (204, 304)

# What PEP 3333 calls an application (app.py wraps Flask in one).
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(
    request: Request,
    sock: socket.socket,
    client: tuple[str, int] | Any,
    server: tuple[str, int] | Any,
    multiprocess: bool,
) -> dict[str, Any]:
    target = request.target.decode("latin-1")
    if not target.startswith("/") and "://" in target:  # absolute form: keep its path
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    path, _, query = target.partition("?")
    env: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path.partition("#")[0]).decode("latin-1"),
        "QUERY_STRING": query.partition("#")[0],
        "RAW_URI": target,
        "SERVER_PROTOCOL": f"HTTP/{request.version}",
        "SERVER_SOFTWARE": SERVER_SOFTWARE,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": multiprocess,
        "wsgi.run_once": False,
        "gunicorn.socket": sock,  # what a fault that cuts the connection cuts (http/faults.py)
    }
    if isinstance(client, tuple):
        env["REMOTE_ADDR"], env["REMOTE_PORT"] = client[0], str(client[1])
    if isinstance(server, tuple):
        env["SERVER_NAME"], env["SERVER_PORT"] = server[0], str(server[1])
    for name, value in request.headers:
        if b"_" in name:
            continue  # ambiguous with a dash once in the environ: dropped, as gunicorn does
        key = name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1").strip()
        if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
            env[key] = text
            continue
        key = "HTTP_" + key
        env[key] = f"{env[key]},{text}" if key in env else text
    if "HTTP_TRANSFER_ENCODING" in env:  # the body is whole and unchunked here
        env["CONTENT_LENGTH"] = str(len(request.body))
    host = env.get("HTTP_HOST")
    if host:
        name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
        if name and port.isdigit():
            env["SERVER_NAME"], env["SERVER_PORT"] = name, port
        else:
            env["SERVER_NAME"] = host
    return env


class Answer:
    """The WSGI ``start_response`` of one request, and the answer it writes to the socket (also
    one the server makes itself, a refusal: ``send()``). Without a request to answer it closes
    the connection after it."""

    def __init__(
        self,
        sock: socket.socket,
        *,
        head_only: bool = False,
        http10: bool = False,
        keep_alive: bool = False,
    ) -> None:
        self._sock = sock
        self._head_only = head_only
        self._http10 = http10
        self.keep_alive = keep_alive
        self._status = ""
        self._headers: list[tuple[str, str]] = []
        self._sent_head = False
        self._chunked = False
        self._no_body = False

    @classmethod
    def to(cls, request: Request, sock: socket.socket, *, keep: bool) -> Answer:
        """The answer to ``request``; the connection stays open after it when the client and
        ``keep`` (the server is not stopping) both say so."""
        return cls(
            sock,
            head_only=request.method == "HEAD",
            http10=request.version == "1.0",
            keep_alive=keep and request.keep_alive,
        )

    def send(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """A whole answer the server makes itself, in one send."""
        self.start_response(status, headers)
        self._send_head(body, whole=True)

    @property
    def started(self) -> bool:
        return self._sent_head

    @property
    def status(self) -> str:
        """The status code the app answered with (once it started its answer)."""
        return self._status[:3]

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and self._sent_head:
            raise exc_info[1].with_traceback(exc_info[2])
        self._status, self._headers = status, headers
        return self.write

    def write(self, data: bytes) -> None:
        if not self._sent_head:
            self._send_head(data, whole=False)
        elif data and not self._no_body:
            self._sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if self._chunked else data)

    def run(self, app: WSGIApp, env: dict[str, Any]) -> None:
        """Run the app and send its whole answer."""
        body = app(env, self.start_response)
        try:
            if isinstance(body, (list, tuple)) and len(body) <= 1 and not self._sent_head:
                self._send_head(body[0] if body else b"", whole=True)
            else:
                for data in body:
                    if data:
                        self.write(data)
                if not self._sent_head:
                    self._send_head(b"", whole=True)
                elif self._chunked:
                    self._sock.sendall(b"0\r\n\r\n")
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _send_head(self, first: bytes, *, whole: bool) -> None:
        """Send the status line and headers with the ``first`` bytes of the body (all of it
        when ``whole``): one send for a whole answer."""
        code = int(self._status[:3])
        self._no_body = self._head_only or code in _NO_BODY or code < 200
        lines = [f"HTTP/{'1.0' if self._http10 else '1.1'} {self._status}\r\n"]
        length = None
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == "content-length":
                length = value
                continue
            if lowered == "connection":
                if value.strip().lower() == "close":
                    self.keep_alive = False
                continue
            elif lowered == "transfer-encoding":
                continue  # the server frames the body itself
            lines.append(f"{name}: {value}\r\n")
        if length is not None:
            lines.append(f"Content-Length: {length}\r\n")
        elif whole and not self._no_body:
            lines.append(f"Content-Length: {len(first)}\r\n")
        elif not self._no_body:
            if self._http10:
                self.keep_alive = False  # an HTTP/1.0 body without a length ends at close
            else:
                self._chunked = True
                lines.append("Transfer-Encoding: chunked\r\n")
        lines.append(f"Date: {_date()}\r\nServer: {SERVER_SOFTWARE}\r\n")
        lines.append(
            "Connection: keep-alive\r\n\r\n" if self.keep_alive else "Connection: close\r\n\r\n"
        )
        head = "".join(lines).encode("latin-1")
        self._sent_head = True
        if self._no_body or not first:
            self._sock.sendall(head)
        elif self._chunked:
            self._sock.sendall(head + b"%x\r\n%s\r\n" % (len(first), first))
        else:
            self._sock.sendall(head + first)


_last_date: tuple[int, str] = (0, "")


def _date() -> str:
    """The Date header's value, made once a second."""
    global _last_date
    now = int(time())
    if _last_date[0] != now:
        _last_date = (now, formatdate(now, usegmt=True))
    return _last_date[1]
