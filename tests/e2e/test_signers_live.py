"""Real HTTP through gunicorn: what several kinds of clients send is accepted end to end."""

from __future__ import annotations

from collections.abc import Generator
from urllib.parse import quote

import httpx
from authlib.oauth1 import ClientAuth

from spotler_connector.auth import OAuth1Auth
from tests.plugins.simulator import API, DEMO_KEYS, LiveServer

KEY, SECRET = DEMO_KEYS["webshop"]


class AuthlibAuth(httpx.Auth):
    """Authlib's signer (independent of oauthlib) plugged into httpx."""

    requires_request_body = True

    def __init__(self, signature_type: str) -> None:
        self.signer = ClientAuth(KEY, SECRET, signature_type=signature_type)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url, headers, _ = self.signer.prepare(
            request.method, str(request.url), dict(request.headers), request.content.decode()
        )
        request.url = httpx.URL(url)
        request.headers.update(headers)
        yield request


def test_every_signer_and_placement_passes_through_gunicorn(live_server: LiveServer) -> None:
    signers: dict[str, httpx.Auth] = {
        "oauthlib header": OAuth1Auth(KEY, SECRET),
        "oauthlib query": OAuth1Auth(KEY, SECRET, placement="query"),
        "oauthlib body hash": OAuth1Auth(KEY, SECRET, body_hash=True),
        "authlib header": AuthlibAuth("HEADER"),
        "authlib query": AuthlibAuth("QUERY"),
    }
    for index, (name, auth) in enumerate(signers.items()):
        with httpx.Client(base_url=live_server.base + API, auth=auth) as api:
            external_id = f"signer-{index}"
            body = {"update": True, "contact": {"externalId": external_id}}
            written = api.post("/contact/", json=body, params={"rest": "1"})
            assert written.status_code == 204, f"{name}: {written.text}"
            query = quote(f"externalId={external_id}", safe="=")
            found = api.get(f"/contact/search?MPSearchQuery={query}&pageSize=1")
            assert found.status_code == 200, f"{name}: {found.text}"
            assert found.json()["contacts"][0]["externalId"] == external_id


def test_a_wrong_secret_is_refused_through_gunicorn(live_server: LiveServer) -> None:
    with live_server.signed(KEY, "wrong") as api:
        response = api.get("/contact/1001")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errorType"] == "NOT_AUTHORIZED"


def test_a_very_long_query_is_answered_in_json_not_an_html_page(live_server: LiveServer) -> None:
    with live_server.client() as api:
        response = api.get("/contact/search", params={"MPSearchQuery": "city=" + "x" * 6000})
    # Over gunicorn's default request-line limit (4094), within ours (8190): the app answers.
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errorType"] == "INVALID_PROPERTY"  # city holds 255 characters
