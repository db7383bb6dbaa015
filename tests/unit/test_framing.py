"""The server's front reads requests as they arrive, in any pieces (framing.py)."""

from __future__ import annotations

from gunicorn.http import errors
from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.config import Config
from spotler_sim.framing import HEAD_LIMIT, REQUEST_LINE_LIMIT, Framer, Request
from spotler_sim.worker import refusal_for

API = "/integrationservice-1.1.0"
CONFIG = Config(db_path=":memory:")


def framed(*pieces: bytes) -> Framer:
    framer = Framer(CONFIG)
    for piece in pieces:
        framer.feed(piece)
    return framer


def get(path: str, *headers: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *headers, "", ""]
    return "\r\n".join(lines).encode()


def post(path: str, body: bytes, *, chunked: bool = False) -> bytes:
    if chunked:
        framing = "Transfer-Encoding: chunked"
        body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
    else:
        framing = f"Content-Length: {len(body)}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{framing}\r\n\r\n".encode()
    return head + body


def summary(request: Request) -> tuple[str, bytes, bytes, bool]:
    return request.method, request.target, request.body, request.keep_alive


requests = st.lists(
    st.one_of(
        st.builds(
            lambda n, q: get(f"{API}/contact/{n}?x={q}", "Accept: application/json"),
            st.integers(0, 10**6),
            st.text("abc%20", max_size=30),
        ),
        st.builds(
            lambda body, chunked: post(f"{API}/contact", body, chunked=chunked),
            st.binary(max_size=300),
            st.booleans(),
        ),
    ),
    min_size=1,
    max_size=6,
)


@given(requests, st.lists(st.integers(1, 400), max_size=12))
def test_pipelined_requests_come_out_whole_and_in_order_whatever_the_pieces(
    sent: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(sent)
    positions = sorted({c % len(stream) for c in cuts if c % len(stream)})
    pieces = [stream[a:b] for a, b in zip([0, *positions], [*positions, len(stream)], strict=True)]
    framer = framed(*pieces)
    assert framer.refusal is None
    assert [summary(r) for r in framer.whole] == [summary(r) for r in framed(*sent).whole]
    assert len(framer.whole) == len(sent) and not framer.started


def test_a_request_carries_its_target_headers_and_body() -> None:
    framer = framed(post(f"{API}/contact/", b'{"a": 1}', chunked=True))
    (request,) = framer.whole
    assert (request.method, request.target, request.body) == (
        "POST",
        f"{API}/contact/".encode(),
        b'{"a": 1}',
    )
    assert request.api and request.xml  # no Accept: the API answers XML
    assert (b"Transfer-Encoding", b"chunked") in request.headers


def test_a_request_in_progress_is_started_and_not_whole() -> None:
    framer = framed(get("/x")[:10])
    assert framer.started and not framer.whole and framer.refusal is None


def test_http_1_0_closes_after_its_answer_unless_it_asks_to_keep() -> None:
    (closing,) = framed(b"GET /a HTTP/1.0\r\n\r\n").whole
    (keeping,) = framed(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").whole
    assert (closing.version, closing.keep_alive) == ("1.0", False)
    assert keeping.keep_alive


def test_bytes_after_a_closing_request_end_the_connection_without_a_refusal() -> None:
    framer = framed(b"GET /a HTTP/1.0\r\n\r\nGARBAGE\r\n\r\n")
    assert len(framer.whole) == 1 and framer.closed and framer.refusal is None


def refusal_status(*pieces: bytes) -> int:
    framer = framed(*pieces)
    assert framer.refusal is not None and not framer.whole
    return framer.refusal.error.status


def test_limits_and_malformed_requests_are_refused_with_their_status() -> None:
    assert refusal_status(get("/x?" + "a" * REQUEST_LINE_LIMIT)) == 414
    assert refusal_status(get("/x", "X-Big: " + "b" * 9000)) == 431
    assert refusal_status(get("/x", *[f"X-{i}: 1" for i in range(101)])) == 431
    assert refusal_status(get("/x", *[f"X-{i}: " + "a" * 8000 for i in range(9)])) == 431
    too_big = CONFIG.max_body_bytes + 1
    head = f"POST {API}/contact HTTP/1.1\r\nContent-Length: {too_big}\r\n\r\n".encode()
    assert refusal_status(head) == 413
    assert refusal_status(get("/x", "Expect: something")) == 417
    assert refusal_status(b"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == 501
    assert refusal_status(b"GET /x HTTP/9.9\r\n\r\n") == 400
    assert (
        refusal_status(
            b"POST /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        == 400
    )


def test_a_head_sent_in_many_pieces_is_held_to_the_head_limit() -> None:
    pieces = [b"GET /x HTTP/1.1\r\nX-A: "] + [b"a" * 4096] * (HEAD_LIMIT // 4096 + 2)
    assert refusal_status(*pieces) == 431


def test_a_refusal_of_an_api_call_is_xml_unless_it_asked_for_json() -> None:
    big = "X-Big: " + "b" * 9000
    xml = framed(get(f"{API}/contact/1", big)).refusal
    json = framed(get(f"{API}/contact/1", "Accept: application/json", big)).refusal
    admin = framed(get("/__admin/accounts", big)).refusal
    assert xml is not None and xml.xml
    assert json is not None and not json.xml
    assert admin is not None and not admin.xml


def test_a_request_expecting_100_continue_waits_for_it_until_its_body_comes() -> None:
    framer = framed(
        f"POST {API}/contact HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n".encode()
    )
    assert framer.awaits_continue and not framer.whole
    framer.feed(b"{}")
    assert not framer.awaits_continue and framer.whole[0].body == b"{}"


def test_gunicorns_refusals_under_tls_have_the_fronts_statuses_and_words() -> None:
    """Under TLS gunicorn parses; its refusals are worded by the same functions as the front's."""
    cases = {
        errors.LimitRequestLine(9000, 8190): 414,
        errors.LimitRequestHeaders("too many headers"): 431,
        errors.UnsupportedTransferCoding("gzip"): 501,
        errors.ExpectationFailed("coffee"): 417,
        errors.InvalidHeader("X-Bad"): 400,
        RuntimeError("a bug"): 500,
    }
    for exc, status in cases.items():
        assert refusal_for(exc).status == status, exc
    line = framed(get("/x?" + "a" * REQUEST_LINE_LIMIT)).refusal
    assert line is not None
    assert refusal_for(errors.LimitRequestLine(9000, 8190)).message == line.error.message
