"""Two-legged OAuth 1.0a (HMAC-SHA1) verification over the raw request, with oauthlib's public
signature functions.

oauthlib collects the parameters (``Authorization`` header and query string), builds the RFC 5849
base string and computes the HMAC-SHA1 signature; this module reads the request once, without
oauthlib's generic request object, and adds Spotler's policy around it:

* any consumer key and nonce format (real clients send short base36 nonces and keys of any
  length), no token or an empty one, no TLS (the simulator listens on loopback);
* the OAuth parameters come in one place: the header or the query string;
* an ``oauth_body_hash``, when a client signs one, must match the body;
* a nonce may be used once per key and timestamp;
* every refusal says why and what to do next; the server's base string is kept for the log,
  never sent back.

Verification is two steps, so that the caller can look the key up once between them:
``read()`` the signed request (which names the key), then ``check()`` it against the key's
secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from oauthlib.oauth1.rfc5849 import SIGNATURE_HMAC_SHA1, signature, utils

HOW_TO_SIGN = (
    "sign every call with OAuth 1.0a HMAC-SHA1 using your Key as consumer key and your Secret "
    "as consumer secret, without a token"
)
MANDATORY = (
    "oauth_signature",
    "oauth_consumer_key",
    "oauth_nonce",
    "oauth_timestamp",
    "oauth_signature_method",
)


class AuthFailure(Exception):
    """A refused signature: Spotler's error type, a message for the client, and diagnostics."""

    def __init__(self, error_type: str, message: str, base_string: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.base_string = base_string


def _refused(message: str) -> AuthFailure:
    return AuthFailure("NOT_AUTHORIZED", message)


def replayed() -> AuthFailure:
    """The refusal of a nonce used before with its Key and timestamp."""
    return _refused(
        "this nonce was already used with this Key and timestamp: make a fresh nonce for every "
        "request, also for retries"
    )


@dataclass(frozen=True)
class SignedRequest:
    """What a request says about its signature, read once from the header or the query."""

    method: str
    uri: str
    params: tuple[tuple[str, str], ...]  # every signed parameter, without the signature
    oauth: Mapping[str, str]  # the oauth_ parameters, without the signature
    signature: str

    @property
    def key(self) -> str:
        return self.oauth["oauth_consumer_key"]

    @property
    def timestamp(self) -> int:
        return int(self.oauth["oauth_timestamp"])

    @property
    def nonce(self) -> str:
        return self.oauth["oauth_nonce"]

    def base_string(self) -> str:
        """The server's own signature base string (RFC 5849 section 3.4.1)."""
        try:
            uri = _base_string_uri(self.uri.partition("?")[0])
        except ValueError:
            raise _refused(
                "the URL you called cannot be signed (its host or port is not valid): call the "
                "simulator at the address it listens on"
            ) from None
        # oauthlib's stubs name every HTTP method literally and take the parameters as a dict;
        # it works on any method name and on a list of pairs (which keeps repeated names).
        return signature.signature_base_string(
            self.method,  # type: ignore[arg-type]
            uri,
            signature.normalize_parameters(list(self.params)),  # type: ignore[arg-type]
        )


@lru_cache(maxsize=1024)  # the query (nonce, timestamp) is not part of it: paths repeat
def _base_string_uri(uri: str) -> str:
    """The base string URI of ``uri`` without its query (RFC 5849 section 3.4.1.2)."""
    return signature.base_string_uri(uri)


@dataclass(frozen=True)
class _Secrets:
    """What oauthlib's signing function reads of its client object."""

    client_secret: str
    resource_owner_secret: str = ""  # two-legged: a token, when sent, carries no secret


class SignatureVerifier:
    """Verifies a request's signature in two steps: ``read`` what it says, then ``check`` it
    against the Secret of its Key. The nonce is the caller's to spend (``context.Nonce``): it is
    spent in the call's first write transaction, not here."""

    def __init__(self, max_skew_seconds: int = 300) -> None:
        self._max_skew = max_skew_seconds

    # ---- step 1: what the request says ---------------------------------------------------
    def read(self, method: str, uri: str, authorization: str | None) -> SignedRequest:
        """The signed parameters of a request; refuses a request that is not signed in full.

        A JSON body is never part of the signature (RFC 5849 signs form bodies only)."""
        from_header = self._header_params(authorization)
        from_query = self._query_params(uri)
        in_header = [p for p in from_header if p[0].startswith("oauth_")]
        in_query = [p for p in from_query if p[0].startswith("oauth_")]
        if in_header and in_query:
            raise _refused(
                "the OAuth parameters came twice, in the Authorization header and in the query "
                "string: send them in one place only"
            )
        oauth_pairs = in_header or in_query
        oauth = dict(oauth_pairs)
        if len(oauth) != len(oauth_pairs):
            raise _refused(f"an OAuth parameter came twice: send each once. {HOW_TO_SIGN}")
        if not all(oauth.get(name) for name in MANDATORY):
            raise _refused(f"the request is not signed or misses OAuth parameters: {HOW_TO_SIGN}")
        if oauth["oauth_signature_method"] != SIGNATURE_HMAC_SHA1:
            raise _refused(f"only HMAC-SHA1 signatures are accepted: {HOW_TO_SIGN}")
        if oauth.get("oauth_version", "1.0") != "1.0":
            raise _refused(f"Invalid OAuth version: {HOW_TO_SIGN}")
        self._check_timestamp(oauth["oauth_timestamp"])
        params = [(k, v) for k, v in from_header + from_query if k != "oauth_signature"]
        signature_value = oauth.pop("oauth_signature")
        return SignedRequest(method.upper(), uri, tuple(params), oauth, signature_value)

    @staticmethod
    def _header_params(header: str | None) -> list[tuple[str, str]]:
        if header is None:
            return []
        try:
            pairs = utils.parse_authorization_header(header)
        except ValueError:
            raise _refused(
                f"the Authorization header is not an OAuth header: {HOW_TO_SIGN}"
            ) from None
        # realm names a protection space, it is not signed (RFC 5849 section 3.4.1.3.1)
        return [
            (k, utils.unescape(v) if k.startswith("oauth_") else v)
            for k, v in pairs
            if k != "realm"
        ]

    @staticmethod
    def _query_params(uri: str) -> list[tuple[str, str]]:
        query = urlsplit(uri).query
        if not query:
            return []
        try:
            return list(
                signature.collect_parameters(uri_query=query, exclude_oauth_signature=False)
            )
        except ValueError:
            raise _refused(
                "the query string is not percent-encoded: encode it as RFC 3986 says"
            ) from None

    def _check_timestamp(self, raw: str) -> None:
        if len(raw) != 10:
            raise _refused(f"Invalid timestamp size: {HOW_TO_SIGN}")
        try:
            timestamp = int(raw)
        except ValueError:
            raise _refused(f"Timestamp must be an integer: {HOW_TO_SIGN}") from None
        if abs(time.time() - timestamp) > self._max_skew:
            raise _refused(
                f"oauth_timestamp is more than {self._max_skew} seconds away from the server's "
                "wall clock: sign with the current time and check your machine's clock"
            )

    # ---- step 2: does it hold ------------------------------------------------------------
    def check(self, signed: SignedRequest, secret: str | None, body: bytes) -> None:
        """Refuses a request whose key has no ``secret``, or whose signature or body hash does
        not match."""
        if secret is None:
            raise AuthFailure(
                "AUTH_NOT_FOUND",
                f"no authentication has the Key {signed.key!r}: copy the Key of an "
                f"authentication of your account (GET /__admin/accounts lists them in the "
                f"simulator)",
            )
        base_string = signed.base_string()
        expected = signature.sign_hmac_sha1_with_client(base_string, _Secrets(secret))
        if not hmac.compare_digest(expected.encode(), signed.signature.encode()):
            raise AuthFailure(
                "NOT_AUTHORIZED",
                "the signature does not match: sign with the Secret of this Key, include every "
                "query parameter and the exact URL you call (scheme, host, port, path), and "
                "leave the JSON body out of the base string",
                base_string=base_string,
            )
        self._check_body_hash(signed, body)

    @staticmethod
    def _check_body_hash(signed: SignedRequest, body: bytes) -> None:
        sent = signed.oauth.get("oauth_body_hash")
        if sent is None:
            return
        actual = base64.b64encode(hashlib.sha1(body).digest()).decode("ascii")
        if not hmac.compare_digest(sent.encode(), actual.encode()):
            raise _refused(
                "oauth_body_hash does not match the body: hash the exact bytes you send "
                "(base64 of their SHA-1), or leave oauth_body_hash out",
            )
