"""Who may use the admin API: loopback callers, or the holder of the admin token when one is set."""

from __future__ import annotations

import httpx
import pytest

from spotler_connector.auth import OAuth1Auth
from tests.plugins.simulator import HOST, Sim


@pytest.mark.in_process  # a WSGI transport can pose as a remote caller
def test_admin_api_answers_only_on_loopback(sim: Sim) -> None:
    remote = httpx.WSGITransport(app=sim.transport.app, remote_addr="192.0.2.10")
    with httpx.Client(transport=remote, base_url=HOST) as outsider:
        response = outsider.get("/__admin/accounts")
    assert response.status_code == 403
    assert "loopback" in response.json()["message"]


@pytest.mark.in_process  # an app of its own, with a token, on the same database
def test_with_an_admin_token_only_that_token_opens_the_admin_api(sim: Sim) -> None:
    from spotler_sim.app import create_app
    from spotler_sim.config import Config

    app = create_app(Config(db_path=sim.state.db.path, admin_token="s3cret"), sim.state)
    remote = httpx.WSGITransport(app=app, remote_addr="192.0.2.10")
    local = httpx.WSGITransport(app=app)
    with httpx.Client(transport=remote, base_url=HOST + "/__admin") as outsider:
        assert outsider.get("/accounts", headers={"X-Admin-Token": "s3cret"}).status_code == 200
        assert outsider.get("/accounts", headers={"X-Admin-Token": "guess"}).status_code == 401
    with httpx.Client(transport=local, base_url=HOST + "/__admin") as insider:
        refused = insider.get("/accounts")
        assert refused.status_code == 401 and "X-Admin-Token" in refused.json()["message"]
    with httpx.Client(
        transport=local, base_url=HOST, auth=OAuth1Auth("demo-webshop", "demo-webshop-secret")
    ) as spotler_key:
        assert spotler_key.get("/__admin/accounts").status_code == 401
