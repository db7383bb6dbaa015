"""What a served simulator says about its own surface: OPTIONS, and empty query values."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from spotler_sim import contracts
from tests.plugins.simulator import API, DEMO_KEYS, LiveServer, serving

PATHS = contracts.document()["paths"]
WINDOW = {"fromDate": "2024-01-01", "toDate": "2030-01-01"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    log = tmp_path_factory.mktemp("surface") / "serve.log"
    with serving(log, "--workers", "2") as live:
        yield live


@pytest.mark.parametrize("path", sorted(PATHS))
def test_options_allows_what_the_contract_serves_at_the_path(server: LiveServer, path: str) -> None:
    expected = {m.upper() for m in PATHS[path] if m in contracts.HTTP_METHODS} | {"OPTIONS"}
    if "GET" in expected:
        expected.add("HEAD")
    concrete = re.sub(r"\{[^}]+\}", "1001", path)
    answer = httpx.options(f"{server.base}{API}{concrete}", timeout=10)
    assert answer.status_code == 200
    allowed = {m.strip() for m in answer.headers["Allow"].split(",")}
    assert allowed == expected, path


def test_an_empty_optional_query_value_is_taken_as_absent(server: LiveServer) -> None:
    """Node's querystring signs an undefined ``after`` as ``after=`` (reference 2.3): such a
    client must get what it gets without the parameter, on every list alike."""
    with server.signed(*DEMO_KEYS["webshop"], timeout=10) as api:
        bare = api.get("/contact/updates/list", params=WINDOW)
        empty = api.get("/contact/updates/list", params={**WINDOW, "after": "", "pageSize": ""})
        assert bare.status_code == empty.status_code == 200
        assert bare.json() == empty.json()


def test_an_empty_required_query_value_is_refused_as_missing(server: LiveServer) -> None:
    with server.signed(*DEMO_KEYS["webshop"], timeout=10) as api:
        refused = api.get("/contact/updates/list", params={**WINDOW, "toDate": ""})
    assert refused.status_code == 400
    assert "toDate is required" in refused.json()["message"]
