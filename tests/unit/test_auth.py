"""The signature verifier against what real clients send, signed by independent libraries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from urllib.parse import quote

import httpx
import pytest
from authlib.oauth1 import ClientAuth
from hypothesis import given
from hypothesis import strategies as st
from oauthlib.oauth1.rfc5849 import signature

from spotler_connector.auth import OAuth1Auth
from spotler_sim.errors import SpotlerError
from spotler_sim.http.auth import AuthFailure, SignatureVerifier
from spotler_sim.http.context import NONCE_MEMORY_SECONDS, Nonce, _Forgetting
from spotler_sim.store import Database
from spotler_sim.store.accounts import use_nonce

KEY, SECRET = "demo-webshop", "demo-webshop-secret"
URL = "http://127.0.0.1:8080/integrationservice-1.1.0/contact/search"
QUERY = "MPSearchQuery=email%3Djan%40example.com&pageSize=1"
BODY = b'{"contact": {"externalId": "1"}}'


class DemoVerifier(SignatureVerifier):
    """Both steps as ``admit()`` runs them, with the demo Key's Secret."""

    def verify(self, method: str, uri: str, headers: Mapping[str, str], body: bytes) -> str:
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        signed = self.read(method, uri, header)
        self.check(signed, {KEY: SECRET}.get(signed.key), body)
        return signed.key


def verifier() -> DemoVerifier:
    return DemoVerifier(max_skew_seconds=300)


def sign_with_oauthlib(
    method: str, url: str, *, placement: str = "header", body_hash: bool = False
) -> tuple[str, dict[str, str]]:
    request = httpx.Request(method, url, content=BODY if method != "GET" else None)
    request.headers["Content-Type"] = "application/json"
    auth = OAuth1Auth(KEY, SECRET, placement=placement, body_hash=body_hash)  # type: ignore[arg-type]
    signed = next(auth.auth_flow(request))
    return str(signed.url), dict(signed.headers)


def hand_signed(
    method: str,
    url: str,
    query: str,
    *,
    token: str | None = None,
    timestamp: int | None = None,
    nonce: str | None = None,
    secret: str = SECRET,
) -> dict[str, str]:
    """The OAuth parameters as the hand-rolled clients (Zend, Node, PHP scripts) build them."""
    params = {
        "oauth_consumer_key": KEY,
        "oauth_nonce": nonce or uuid.uuid4().hex,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp or int(time.time())),
        "oauth_version": "1.0",
    }
    if token is not None:
        params["oauth_token"] = token
    pairs = signature.collect_parameters(uri_query=query) + list(params.items())
    base = signature.signature_base_string(
        method, signature.base_string_uri(url), signature.normalize_parameters(pairs)
    )
    signing_key = f"{quote(secret, safe='~')}&".encode()
    digest = hmac.new(signing_key, base.encode(), hashlib.sha1).digest()
    params["oauth_signature"] = base64.b64encode(digest).decode()
    return params


def test_oauthlib_header_signature_passes() -> None:
    url, headers = sign_with_oauthlib("GET", f"{URL}?{QUERY}")
    assert verifier().verify("GET", url, headers, b"") == KEY


def test_oauthlib_query_string_signature_passes() -> None:
    url, headers = sign_with_oauthlib("GET", f"{URL}?{QUERY}", placement="query")
    assert "Authorization" not in headers and "oauth_signature=" in url
    assert verifier().verify("GET", url, headers, b"") == KEY


@pytest.mark.parametrize("placement", ["HEADER", "QUERY"])
def test_authlib_signature_passes(placement: str) -> None:
    signer = ClientAuth(KEY, SECRET, signature_type=placement)
    url, headers, _ = signer.prepare("GET", f"{URL}?{QUERY}", {}, "")
    assert verifier().verify("GET", url, headers, b"") == KEY


def test_authlib_signature_of_a_json_post_passes_without_the_body_in_the_base_string() -> None:
    signer = ClientAuth(KEY, SECRET)
    url, headers, _ = signer.prepare(
        "POST", URL.replace("search", ""), {"Content-Type": "application/json"}, BODY.decode()
    )
    assert verifier().verify("POST", url, headers, BODY) == KEY


def test_body_hash_is_accepted_when_it_matches_and_refused_when_it_does_not() -> None:
    url, headers = sign_with_oauthlib("POST", URL, body_hash=True)
    assert "oauth_body_hash" in headers["authorization"]
    check = verifier()
    assert check.verify("POST", url, headers, BODY) == KEY
    url, headers = sign_with_oauthlib("POST", URL, body_hash=True)
    with pytest.raises(AuthFailure, match="oauth_body_hash"):
        check.verify("POST", url, headers, BODY + b" ")


def test_zend_shape_realm_first_and_no_spaces_passes() -> None:
    params = hand_signed("GET", URL, QUERY)
    header = 'OAuth realm="",' + ",".join(f'{k}="{quote(v, safe="")}"' for k, v in params.items())
    assert verifier().verify("GET", f"{URL}?{QUERY}", {"Authorization": header}, b"") == KEY


def test_raw_unencoded_header_values_pass() -> None:
    """A PHP client writes the base64 signature raw: '+', '/' and '=' inside the quotes."""
    for _ in range(20):  # enough signatures that one holds a '+' or '/'
        params = hand_signed("GET", URL, QUERY)
        if any(c in params["oauth_signature"] for c in "+/"):
            break
    header = "OAuth " + ",".join(f'{k}="{v}"' for k, v in reversed(params.items()))
    assert verifier().verify("GET", f"{URL}?{QUERY}", {"Authorization": header}, b"") == KEY


def test_an_empty_token_signed_as_oauth_token_equals_nothing_passes() -> None:
    params = hand_signed("GET", URL, QUERY, token="")
    header = "OAuth " + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in params.items())
    assert 'oauth_token=""' in header
    assert verifier().verify("GET", f"{URL}?{QUERY}", {"Authorization": header}, b"") == KEY


def header_of(params: dict[str, str]) -> dict[str, str]:
    return {
        "Authorization": "OAuth "
        + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in params.items())
    }


def test_query_parameters_are_part_of_the_signature() -> None:
    params = hand_signed("GET", URL, QUERY)
    with pytest.raises(AuthFailure) as refused:
        verifier().verify("GET", f"{URL}?{QUERY}&after=10", header_of(params), b"")
    assert refused.value.error_type == "NOT_AUTHORIZED"
    assert refused.value.base_string is not None and "after%3D10" in refused.value.base_string


@pytest.mark.parametrize(
    ("headers", "error_type", "words"),
    [
        ({}, "NOT_AUTHORIZED", "not signed"),
        ({"Authorization": "Basic ZGVtbzpkZW1v"}, "NOT_AUTHORIZED", "not an OAuth header"),
    ],
)
def test_missing_or_foreign_authorization_is_refused(
    headers: dict[str, str], error_type: str, words: str
) -> None:
    with pytest.raises(AuthFailure) as refused:
        verifier().verify("GET", URL, headers, b"")
    assert refused.value.error_type == error_type and words in refused.value.message


def test_an_unknown_key_is_auth_not_found() -> None:
    params = hand_signed("GET", URL, "")
    params["oauth_consumer_key"] = "nobody"
    with pytest.raises(AuthFailure) as refused:
        verifier().verify("GET", URL, header_of(params), b"")
    assert refused.value.error_type == "AUTH_NOT_FOUND"


def test_a_wrong_secret_is_refused_with_the_base_string_kept_for_the_log() -> None:
    params = hand_signed("GET", URL, QUERY, secret="guess")
    with pytest.raises(AuthFailure) as refused:
        verifier().verify("GET", f"{URL}?{QUERY}", header_of(params), b"")
    assert refused.value.error_type == "NOT_AUTHORIZED"
    assert refused.value.base_string is not None
    assert refused.value.base_string.startswith("GET&http%3A%2F%2F127.0.0.1%3A8080%2F")
    assert "Secret" in refused.value.message


@given(skew=st.integers(min_value=301, max_value=10**6), sign=st.sampled_from([-1, 1]))
def test_a_timestamp_more_than_five_minutes_off_the_wall_clock_is_refused(
    skew: int, sign: int
) -> None:
    params = hand_signed("GET", URL, "", timestamp=int(time.time()) + sign * skew)
    with pytest.raises(AuthFailure, match="wall clock"):
        verifier().verify("GET", URL, header_of(params), b"")


@given(skew=st.integers(min_value=-240, max_value=240))
def test_a_timestamp_within_five_minutes_passes(skew: int) -> None:
    params = hand_signed("GET", URL, "", timestamp=int(time.time()) + skew)
    assert verifier().verify("GET", URL, header_of(params), b"") == KEY


def test_a_nonce_is_used_once_per_key_and_timestamp() -> None:
    db = Database(":memory:")
    now = int(time.time())
    first, same, later, other_key = (
        Nonce(KEY, now, "abc"), Nonce(KEY, now, "abc"), Nonce(KEY, now + 1, "abc"),
        Nonce("other", now, "abc"),
    )  # fmt: skip
    first.spend_alone(db)
    with pytest.raises(SpotlerError, match="nonce was already used") as refused:
        same.spend_alone(db)
    assert refused.value.status == 401 and not same.spent
    later.spend_alone(db)
    other_key.spend_alone(db)
    assert first.spent and later.spent and other_key.spent


def test_other_signature_methods_are_refused() -> None:
    params = hand_signed("GET", URL, "")
    params["oauth_signature_method"] = "PLAINTEXT"
    with pytest.raises(AuthFailure, match="HMAC-SHA1"):
        verifier().verify("GET", URL, header_of(params), b"")


def test_body_hash_helper_matches_the_rfc_definition() -> None:
    _, headers = sign_with_oauthlib("PUT", URL, body_hash=True)
    expected = base64.b64encode(hashlib.sha1(BODY).digest()).decode()
    assert quote(expected, safe="") in headers["authorization"]


def test_oauth_parameters_both_in_the_header_and_the_query_are_refused_as_sent_twice() -> None:
    """Issue 17 item 2: oauthlib described this refusal with a tuple and the server answered 500."""
    params = hand_signed("GET", URL, QUERY)
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    with pytest.raises(AuthFailure) as refused:
        verifier().verify("GET", f"{URL}?{QUERY}&{query}", header_of(params), b"")
    assert refused.value.error_type == "NOT_AUTHORIZED"
    assert "twice" in refused.value.message and "one place" in refused.value.message


def test_old_nonces_are_dropped_once_in_a_while_not_on_every_call() -> None:
    forgetting = _Forgetting()
    first = forgetting.before()
    assert first is not None and abs(first - (time.time() - NONCE_MEMORY_SECONDS)) < 2
    assert forgetting.before() is None  # not again within FORGET_EVERY_SECONDS
    db = Database(":memory:")
    with db.write() as conn:
        assert use_nonce(conn, KEY, 1, "old", None)
        assert use_nonce(conn, KEY, first + 1, "kept", None)
        assert use_nonce(conn, KEY, first + 2, "new", first)
        kept = [row[0] for row in conn.execute("SELECT nonce FROM nonces ORDER BY timestamp")]
    assert kept == ["kept", "new"]
