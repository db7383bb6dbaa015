"""The app finds the view of a path it has matched before without Flask binding and matching
its URL map again (app.SimulatorFlask): whatever the method and path, it finds what Flask's own
matching finds, and a request answered from a remembered match gets arguments of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

from spotler_sim.app import SimulatorFlask, _decoded, create_app
from spotler_sim.config import ADMIN_PREFIX, API_PREFIXES, Config

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]
WORDS = "contact list updates product order form campaign mailing accounts journal reset"
SEGMENT = st.one_of(
    st.sampled_from([*WORDS.split(), "1001", "", "%2F", "a b", "é", ".."]),
    st.text(min_size=1, max_size=12),
)
PREFIX = st.sampled_from([*API_PREFIXES, ADMIN_PREFIX, "", "/docs", "/__admin/api"])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> SimulatorFlask:
    made = create_app(Config(db_path=str(tmp_path_factory.mktemp("routing") / "s.db")))
    assert isinstance(made, SimulatorFlask)
    return made


def flask_match(app: SimulatorFlask, method: str, path: str) -> tuple[str, dict[str, Any]] | str:
    """What Flask's own matching makes of a request: the endpoint and arguments, or the
    refusal's class."""
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "HTTP_HOST": "127.0.0.1:8080",
        "wsgi.url_scheme": "http",
    }  # fmt: skip
    try:
        rule, args = app.url_map.bind_to_environ(environ).match(return_rule=True)
    except HTTPException as refused:
        return type(refused).__name__
    return str(rule.endpoint), args


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(METHODS),
    prefix=PREFIX,
    segments=st.lists(SEGMENT, max_size=4),
    slash=st.booleans(),
)
def test_a_remembered_match_is_flasks_own(
    app: SimulatorFlask, method: str, prefix: str, segments: list[str], slash: bool
) -> None:
    path = prefix + "".join("/" + s for s in segments) + ("/" if slash else "")
    wsgi_path = path.encode("utf-8", "surrogatepass").decode("latin-1")  # as PEP 3333 gives it
    expected = flask_match(app, method, wsgi_path)
    for _ in range(2):  # found, then remembered
        found = app.matched(method, "", _decoded(wsgi_path))
        if isinstance(expected, str):
            assert found is None  # Flask refuses it (or redirects) from the request itself
        else:
            assert found is not None
            rule, args = found
            assert (str(rule.endpoint), args) == expected


def test_a_remembered_match_gives_each_request_its_own_arguments(app: SimulatorFlask) -> None:
    path = f"{API_PREFIXES[0]}/contact/1001"
    with app.test_request_context(path):
        from flask import request

        assert request.view_args == {"externalId": "1001"}
        request.view_args["externalId"] = "changed by a handler"  # type: ignore[index]
    with app.test_request_context(path):
        assert request.view_args == {"externalId": "1001"}


def test_an_unknown_path_is_still_answered_in_spotlers_shape(tmp_path: Path) -> None:
    app = create_app(Config(db_path=str(tmp_path / "s.db")))
    client = app.test_client()
    for _ in range(2):
        answered = client.get(
            f"{API_PREFIXES[0]}/no/such/thing", headers={"Accept": "application/json"}
        )
        assert answered.status_code == 404
        assert answered.get_json()["errorType"] == "RESOURCE_NOT_FOUND"
