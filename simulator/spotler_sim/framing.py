"""Requests read off a connection without blocking: httptools (llhttp) frames and parses each
request once, in C, and this module keeps the server's limits around it.

A connection has one ``Framer``. It takes the bytes as they arrive and queues every request
that is whole (pipelined requests queue behind each other); a request over a limit, or one the
parser cannot read as HTTP/1.1, ends the connection with a ``Refusal`` in Spotler's shape:

* a request line over ``REQUEST_LINE_LIMIT`` bytes: 414;
* a header over ``HEADER_FIELD_LIMIT`` bytes, more than ``HEADER_COUNT_LIMIT`` headers, or a head
  (request line and headers) over ``HEAD_LIMIT`` bytes: 431;
* a body over the simulator's body limit (the admin API's is larger), by Content-Length or once
  the chunks pass it: 413;
* a transfer coding other than chunked: 501; an expectation other than 100-continue: 417;
* anything else the parser refuses (bad characters, Content-Length with Transfer-Encoding, an
  unknown HTTP version): 400.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import httptools

from spotler_sim.config import ADMIN_PREFIX, API_PREFIXES, Config
from spotler_sim.errors import SpotlerError
from spotler_sim.http.representation import prefers_xml

REQUEST_LINE_LIMIT = 8190  # bytes of the request target ("/path?query")
HEADER_FIELD_LIMIT = 8190  # bytes of one header line
HEADER_COUNT_LIMIT = 100
HEAD_LIMIT = 64 * 1024  # the request line and every header together


@dataclass
class Request:
    """One whole request as it came: the target undecoded, the headers in order."""

    method: str
    target: bytes
    version: str  # "1.1" or "1.0"
    headers: list[tuple[bytes, bytes]]
    body: bytes
    keep_alive: bool  # the client keeps the connection after the answer (as far as it says)
    api: bool  # a call of the API (not the admin API, a page or the contract)

    @property
    def xml(self) -> bool:
        """Whether the server's own error answer to it is XML (see refused_in_xml)."""
        return _in_xml(self.target, self.headers)


@dataclass
class Refusal:
    error: SpotlerError
    xml: bool


@dataclass
class _Reading:
    """The request being parsed (what httptools has told of it so far)."""

    target: bytearray = field(default_factory=bytearray)
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    head_bytes: int = 0  # of the headers parsed so far
    head_chunks: int = 0  # of the chunks that fell wholly inside the head
    in_head: bool = True
    body: bytearray = field(default_factory=bytearray)
    api: bool = False
    body_limit: int = 0
    admin: bool = False


class _Refused(Exception):
    """Raised in a parser callback to stop parsing (httptools raises its own error for it);
    the refusal is on the framer."""


class Framer:
    """Frames the requests of one connection (see above)."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._parser = httptools.HttpRequestParser(self)
        self._reading: _Reading | None = None
        self.whole: deque[Request] = deque()  # requests ready to serve, oldest first
        self.refusal: Refusal | None = None
        self.awaits_continue = False  # the request read now waits for "100 Continue"
        self.closed = False  # no request after the last whole one is read (upgrade, close)

    @property
    def started(self) -> bool:
        """A request has begun arriving and is not whole yet."""
        return self._reading is not None

    def feed(self, data: bytes) -> None:
        """Take received bytes: whole requests join ``whole``; a refusal is set on ``refusal``."""
        if self.closed or self.refusal is not None:
            return
        before = self._reading if self._reading is not None and self._reading.in_head else None
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.closed = True  # served as a plain request; the connection ends after it
            return
        except httptools.HttpParserError as exc:  # also a callback's _Refused, wrapped
            if self.refusal is not None:
                return
            if self.whole and not self.whole[-1].keep_alive:
                self.closed = True  # bytes after a request that closes the connection
                return
            self._refuse(_unreadable(exc))
            return
        if before is not None and self._reading is before and before.in_head:
            # The whole chunk was part of a head that began before it and has not ended: a
            # header not finished yet is buffered by the parser, unseen by on_header.
            before.head_chunks += len(data)
            if before.head_chunks > HEAD_LIMIT:
                self._refuse(_head_too_large())

    # -- httptools' callbacks ----------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._reading = _Reading()

    def on_url(self, url: bytes) -> None:
        reading = self._current()
        reading.target += url
        if len(reading.target) > REQUEST_LINE_LIMIT:
            self._stop(line_too_long())

    def on_header(self, name: bytes, value: bytes) -> None:
        reading = self._current()
        reading.headers.append((name, value))
        size = len(name) + len(value) + 2
        reading.head_bytes += size
        if size > HEADER_FIELD_LIMIT or len(reading.headers) > HEADER_COUNT_LIMIT:
            self._stop(headers_too_large("a header or the number of headers"))
        if reading.head_bytes > HEAD_LIMIT:
            self._stop(_head_too_large())

    def on_headers_complete(self) -> None:
        reading = self._current()
        reading.in_head = False
        target = bytes(reading.target)
        expect = length = None
        for name, value in reading.headers:
            lowered = name.lower()
            if lowered == b"expect":
                expect = value
            elif lowered == b"content-length":
                length = value
        reading.api = target.startswith(_API_PREFIXES)
        reading.admin = target.startswith(_ADMIN_PREFIX)
        reading.body_limit = (
            self._config.max_admin_body_bytes if reading.admin else self._config.max_body_bytes
        )
        if length is not None and length.strip().isdigit() and int(length) > reading.body_limit:
            self._stop(SpotlerError.body_too_large(reading.body_limit, admin=reading.admin))
        if expect is not None:
            if expect.strip().lower() != b"100-continue":
                self._stop(expectation_failed(f"Expect: {expect.decode('latin-1')}"))
            self.awaits_continue = True

    def on_body(self, body: bytes) -> None:
        reading = self._current()
        self.awaits_continue = False  # the client sends the body without waiting
        reading.body += body
        if len(reading.body) > reading.body_limit:
            self._stop(SpotlerError.body_too_large(reading.body_limit, admin=reading.admin))

    def on_message_complete(self) -> None:
        reading = self._current()
        parser = self._parser
        self.whole.append(
            Request(
                method=parser.get_method().decode("ascii"),
                target=bytes(reading.target),
                version=parser.get_http_version(),
                headers=reading.headers,
                body=bytes(reading.body),
                keep_alive=parser.should_keep_alive(),
                api=reading.api,
            )
        )
        self._reading = None
        self.awaits_continue = False

    # -- refusals ----------------------------------------------------------------------------

    def _current(self) -> _Reading:
        if self._reading is None:  # a callback outside a message: cannot happen in llhttp
            self._reading = _Reading()
        return self._reading

    def _stop(self, error: SpotlerError) -> None:
        self._refuse(error)
        raise _Refused

    def _refuse(self, error: SpotlerError) -> None:
        reading = self._reading
        self.refusal = Refusal(
            error, reading is not None and _in_xml(reading.target, reading.headers)
        )

    def timed_out(self, seconds: float) -> Refusal:
        """The refusal of a request not whole ``seconds`` after it began."""
        self._refuse(
            SpotlerError(
                408,
                "INVALID_PARAMS",
                f"the request was not complete within {seconds:.0f} seconds: send the whole "
                "request at once",
            )
        )
        assert self.refusal is not None
        return self.refusal


_API_PREFIXES = tuple(prefix.encode() for prefix in API_PREFIXES)
_ADMIN_PREFIX = ADMIN_PREFIX.encode()


def refused_in_xml(target: str, accept: str | None) -> bool:
    """A refusal is XML for a call of the API that did not ask for JSON (as every answer)."""
    return target.startswith(API_PREFIXES) and prefers_xml(accept)


def _in_xml(target: bytes | bytearray, headers: list[tuple[bytes, bytes]]) -> bool:
    accept = next((v for k, v in headers if k.lower() == b"accept"), None)
    return refused_in_xml(
        target.decode("latin-1"), accept.strip().decode("latin-1") if accept is not None else None
    )


def _head_too_large() -> SpotlerError:
    return SpotlerError(
        431,
        "INVALID_PARAMS",
        f"the request line and headers are larger than {HEAD_LIMIT // 1024} KiB in all: "
        "send fewer or smaller headers",
    )


def line_too_long() -> SpotlerError:
    return SpotlerError(
        414,
        "INVALID_PARAMS",
        f"the request line is longer than {REQUEST_LINE_LIMIT} bytes: send fewer or shorter "
        "query parameters (lists page with after and pageSize)",
    )


def headers_too_large(what: str) -> SpotlerError:
    return SpotlerError(
        431,
        "INVALID_PARAMS",
        f"the request headers are too large ({what}): send at most {HEADER_COUNT_LIMIT} "
        f"headers of at most {HEADER_FIELD_LIMIT} bytes each",
    )


def unsupported_coding(what: str) -> SpotlerError:
    return SpotlerError(
        501,
        "INVALID_PARAMS",
        f"{what}: send the body with Content-Length, or with Transfer-Encoding: chunked",
    )


def expectation_failed(what: str) -> SpotlerError:
    return SpotlerError(
        417, "INVALID_PARAMS", f"{what} cannot be met: the only expectation served is 100-continue"
    )


def not_http(what: str) -> SpotlerError:
    return SpotlerError(
        400,
        "INVALID_PARAMS",
        f"the request is not valid HTTP/1.1 ({what}): send one request line, then headers of "
        "visible ASCII, and either Content-Length or Transfer-Encoding, never both",
    )


def _unreadable(exc: httptools.HttpParserError) -> SpotlerError:
    text = str(exc)
    if "Transfer-Encoding" in text and "Content-Length" not in text:
        return unsupported_coding(text)
    return not_http(text)
