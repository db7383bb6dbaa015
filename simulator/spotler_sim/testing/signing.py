"""Signing calls to the Spotler API with OAuth 1.0a (two-legged HMAC-SHA1), for the test kit and
the ``spotler-sim call``/``sign`` commands. oauthlib computes every signature.

The reference connector has a signer of its own: it imports nothing from the simulator, so an
integrator can lift it out alone.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Literal

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_QUERY
from oauthlib.oauth1 import Client as _OAuthClient

Placement = Literal["header", "query"]
_TYPES = {"header": SIGNATURE_TYPE_AUTH_HEADER, "query": SIGNATURE_TYPE_QUERY}


def sign(
    method: str,
    url: str,
    key: str,
    secret: str,
    *,
    placement: Placement = "header",
    json_body: str | None = None,
) -> tuple[str, dict[str, str]]:
    """The URL to call and the headers to add for one signed call.

    With ``placement="query"`` the OAuth parameters travel in the returned URL and no header is
    added; ``json_body`` adds a signed ``oauth_body_hash`` of that body.
    """
    signer = _OAuthClient(
        key,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA1,
        signature_type=_TYPES[placement],
    )
    content_type = {"Content-Type": "application/json"} if json_body else None
    uri, headers, _ = signer.sign(
        url,
        method.upper(),  # type: ignore[arg-type]
        body=json_body,
        headers=content_type,
    )
    extra = {"Authorization": headers["Authorization"]} if placement == "header" else {}
    return str(uri), extra


class OAuth1Auth(httpx.Auth):
    """An httpx auth that signs each request with a Key and Secret (see :func:`sign`)."""

    requires_request_body = True

    def __init__(
        self, key: str, secret: str, *, placement: Placement = "header", body_hash: bool = False
    ) -> None:
        self.key, self.secret = key, secret
        self.placement: Placement = placement
        self.body_hash = body_hash

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        body = request.content.decode("utf-8") if self.body_hash and request.content else None
        url, headers = sign(
            request.method,
            str(request.url),
            self.key,
            self.secret,
            placement=self.placement,
            json_body=body,
        )
        request.url = httpx.URL(url)
        request.headers.update(headers)
        yield request
