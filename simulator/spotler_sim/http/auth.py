"""Two-legged OAuth 1.0a (HMAC-SHA1) verification, done by oauthlib.

oauthlib parses the parameters (``Authorization`` header or query string), checks the mandatory
ones and the timestamp, builds the RFC 5849 base string and compares the HMAC-SHA1 signature.
This module only adds Spotler's policy around it:

* any consumer key and nonce format (real clients send short base36 nonces and keys of any
  length), no token or an empty one, no TLS (the simulator listens on loopback);
* an ``oauth_body_hash``, when a client signs one, must match the body;
* a nonce may be used once per key and timestamp;
* every refusal says why and what to do next; the server's base string is kept for the log,
  never sent back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from typing import Any

from oauthlib.oauth1 import RequestValidator
from oauthlib.oauth1.rfc5849 import SIGNATURE_HMAC_SHA1, errors, signature
from oauthlib.oauth1.rfc5849.endpoints.base import BaseEndpoint

SecretLookup = Callable[[str], "str | None"]
NonceRecorder = Callable[[str, int, str], bool]  # (key, timestamp, nonce) -> first use?

HOW_TO_SIGN = (
    "sign every call with OAuth 1.0a HMAC-SHA1 using your Key as consumer key and your Secret "
    "as consumer secret, without a token"
)


class AuthFailure(Exception):
    """A refused signature: Spotler's error type, a message for the client, and diagnostics."""

    def __init__(self, error_type: str, message: str, base_string: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.base_string = base_string


class _Policy(RequestValidator):
    """What oauthlib asks the server: which keys, nonces and methods it accepts."""

    enforce_ssl = False
    dummy_client = "unknown-key"

    def __init__(self, lookup: SecretLookup, max_skew_seconds: int) -> None:
        super().__init__()
        self._lookup = lookup
        self._max_skew = max_skew_seconds

    @property
    def allowed_signature_methods(self) -> tuple[str, ...]:
        return (SIGNATURE_HMAC_SHA1,)

    @property
    def timestamp_lifetime(self) -> int:
        return self._max_skew

    def check_client_key(self, client_key: str) -> bool:
        return bool(client_key)

    def check_nonce(self, nonce: str) -> bool:
        return bool(nonce)

    def get_client_secret(self, client_key: str, request: Any) -> str:
        return self._lookup(client_key) or ""

    def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
        return ""  # two-legged: a token, when sent, carries no secret


class _Endpoint:
    """The one adapter over oauthlib's server-side steps (private methods of its BaseEndpoint,
    untyped), called one by one so each refusal keeps its reason."""

    def __init__(self, policy: RequestValidator) -> None:
        self._steps: Any = BaseEndpoint(policy)

    def parse(self, uri: str, method: str, headers: Mapping[str, str]) -> Any:
        # A JSON body is never part of the signature (RFC 5849 signs form bodies only).
        return self._steps._create_request(uri, method, "", dict(headers))

    def check_parameters(self, request: Any) -> None:
        self._steps._check_mandatory_parameters(request)

    def signature_matches(self, request: Any) -> bool:
        return bool(self._steps._check_signature(request))


class SignatureVerifier:
    """Verifies a request and answers the consumer key it was signed with."""

    def __init__(
        self, secret_for: SecretLookup, use_nonce: NonceRecorder, max_skew_seconds: int = 300
    ) -> None:
        self._secret_for = secret_for
        self._use_nonce = use_nonce
        self._endpoint = _Endpoint(_Policy(secret_for, max_skew_seconds))
        self._max_skew = max_skew_seconds

    def verify(self, method: str, uri: str, headers: Mapping[str, str], body: bytes) -> str:
        request = self._parse(method, uri, headers)
        try:
            self._endpoint.check_parameters(request)
        except errors.OAuth1Error as exc:
            raise AuthFailure("NOT_AUTHORIZED", self._explain(exc.description)) from None
        key = str(request.client_key)
        if self._secret_for(key) is None:
            raise AuthFailure(
                "AUTH_NOT_FOUND",
                f"no authentication has the Key {key!r}: copy the Key of an authentication "
                f"of your account (GET /__admin/accounts lists them in the simulator)",
            )
        if not self._endpoint.signature_matches(request):
            raise AuthFailure(
                "NOT_AUTHORIZED",
                "the signature does not match: sign with the Secret of this Key, include every "
                "query parameter and the exact URL you call (scheme, host, port, path), and "
                "leave the JSON body out of the base string",
                base_string=self.base_string(request),
            )
        self._check_body_hash(request, body)
        timestamp = int(request.timestamp)
        if not self._use_nonce(key, timestamp, str(request.nonce)):
            raise AuthFailure(
                "NOT_AUTHORIZED",
                "this nonce was already used with this Key and timestamp: make a fresh nonce "
                "for every request, also for retries",
            )
        return key

    def _parse(self, method: str, uri: str, headers: Mapping[str, str]) -> Any:
        try:
            return self._endpoint.parse(uri, method, headers)
        except errors.OAuth1Error as exc:
            raise AuthFailure("NOT_AUTHORIZED", self._explain(exc.description)) from None
        except ValueError as exc:
            if "authorization header" in str(exc).lower():
                message = f"the Authorization header is not an OAuth header: {HOW_TO_SIGN}"
            else:
                message = "the query string is not percent-encoded: encode it as RFC 3986 says"
            raise AuthFailure("NOT_AUTHORIZED", message) from None

    def _explain(self, description: str | tuple[str, ...]) -> str:
        if isinstance(description, tuple):  # oauthlib leaves one message unformatted
            description = description[0] % description[1:]
        text = description.lower()
        if "missing mandatory" in text:
            return f"the request is not signed or misses OAuth parameters: {HOW_TO_SIGN}"
        if "timestamp given is invalid" in text:
            return (
                f"oauth_timestamp is more than {self._max_skew} seconds away from the server's "
                "wall clock: sign with the current time and check your machine's clock"
            )
        if "signature" in text and "not in" in text:
            return f"only HMAC-SHA1 signatures are accepted: {HOW_TO_SIGN}"
        if "only 1 signature" in text:
            return (
                "the OAuth parameters came twice, in the Authorization header and in the query "
                "string: send them in one place only"
            )
        return f"{description.rstrip('.')}: {HOW_TO_SIGN}"

    def _check_body_hash(self, request: Any, body: bytes) -> None:
        sent = request.oauth_params.get("oauth_body_hash")
        if sent is None:
            return
        actual = base64.b64encode(hashlib.sha1(body).digest()).decode("ascii")
        if not hmac.compare_digest(str(sent), actual):
            raise AuthFailure(
                "NOT_AUTHORIZED",
                "oauth_body_hash does not match the body: hash the exact bytes you send "
                "(base64 of their SHA-1), or leave oauth_body_hash out",
            )

    @staticmethod
    def base_string(request: Any) -> str:
        """The server's own signature base string, for diagnosing a refused signature."""
        params = [(k, v) for k, v in request.params if k != "oauth_signature"]
        return signature.signature_base_string(
            request.http_method,
            signature.base_string_uri(request.uri),
            signature.normalize_parameters(params),  # type: ignore[arg-type]
        )
