"""Bad input always gets Spotler's error shape with the right status, and changes nothing."""

from __future__ import annotations

import pytest

from tests.plugins.simulator import Sim

STATE = "SELECT id, properties, changed_ms, listed_ms FROM contacts ORDER BY id"


@pytest.fixture
def before(sim: Sim) -> list[tuple[object, ...]]:
    return sim.table(STATE)


def assert_refused(response, status: int, error_type: str = "INVALID_PARAMS") -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errorType", "message"}
    assert body["errorType"] == error_type
    assert body["message"]
    return body


def test_malformed_json(sim: Sim, before: list) -> None:  # type: ignore[type-arg]
    with sim.client() as api:
        body = assert_refused(
            api.post(
                "/contact", content=b'{"contact": {', headers={"Content-Type": "application/json"}
            ),
            400,
        )
    assert "not valid JSON" in body["message"]
    assert sim.table(STATE) == before


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_nan_and_infinity_are_not_json(sim: Sim, before: list, constant: bytes) -> None:  # type: ignore[type-arg]
    # Python's json reads them; once stored, every answer with that contact was unreadable JSON.
    raw = b'{"update": true, "contact": {"externalId": "1001", "properties": {"city": %s}}}'
    with sim.client() as api:
        body = assert_refused(
            api.post(
                "/contact", content=raw % constant, headers={"Content-Type": "application/json"}
            ),
            400,
        )
        assert constant.decode().lstrip("-") in body["message"]
        assert b"NaN" not in api.get("/contact/1001").content
        assert b"Infinity" not in api.get("/contact/1001").content
    assert sim.table(STATE) == before


def test_a_deeply_nested_body_is_refused_not_a_500(sim: Sim, before: list) -> None:  # type: ignore[type-arg]
    with sim.client() as api:
        for depth in (5_000, 100_000):  # past the recursion limit of Python's json
            raw = b'{"contact": {"externalId": "1", "properties": {"city": %s}}}' % (
                b"[" * depth + b"]" * depth
            )
            answer = api.post("/contact", content=raw, headers={"Content-Type": "application/json"})
            assert "nested too deeply" in assert_refused(answer, 400)["message"]
    assert sim.table(STATE) == before


def test_wrong_content_type(sim: Sim, before: list) -> None:  # type: ignore[type-arg]
    with sim.client() as api:
        body = assert_refused(
            api.post("/contact", content=b"externalId=1", headers={"Content-Type": "text/plain"}),
            415,
        )
    assert "application/json" in body["message"]
    assert sim.table(STATE) == before


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({}, "contact"),
        ({"contact": {}}, "externalId"),
        ({"contact": {"externalId": 12}}, "externalId"),
        ({"contact": {"externalId": "1"}, "update": "yes"}, "update"),
        ({"contact": {"externalId": "1", "properties": []}}, "properties"),
        ([1, 2], "body"),
    ],
)
def test_missing_or_mistyped_fields(sim: Sim, before: list, payload: object, needle: str) -> None:  # type: ignore[type-arg]
    with sim.client() as api:
        body = assert_refused(api.post("/contact", json=payload), 400)
    assert needle in body["message"]
    assert sim.table(STATE) == before


def test_missing_body(sim: Sim) -> None:
    with sim.client() as api:
        assert_refused(api.post("/contact"), 400)


@pytest.mark.parametrize(
    "params",
    [
        {"fromDate": "yesterday", "toDate": "2026-01-01"},
        {"fromDate": "2026-13-01", "toDate": "2026-12-01"},
        {"fromDate": "2026-02-30T10:00:00", "toDate": "2026-03-01"},
        {"toDate": "2026-01-01"},
        {"fromDate": "2026-02-01", "toDate": "2026-01-01"},
        {"fromDate": "2026-01-01", "toDate": "2026-02-01", "pageSize": "0"},
        {"fromDate": "2026-01-01", "toDate": "2026-02-01", "pageSize": "10001"},
        {"fromDate": "2026-01-01", "toDate": "2026-02-01", "after": "-1"},
        {"fromDate": "2026-01-01", "toDate": "2026-02-01", "after": "ten"},
    ],
)
def test_invalid_time_windows_and_paging(sim: Sim, params: dict[str, str]) -> None:
    with sim.client() as api:
        assert_refused(api.get("/contact/updates/list", params=params), 400)
        assert_refused(api.get("/contact/bounces/list", params=params), 400)


def test_unknown_path_is_404(sim: Sim) -> None:
    with sim.client(checked=False) as api:
        assert_refused(api.get("/no/such/thing"), 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize("prefix", ["/integrationservice", "/integrationservice-1.1.0"])
def test_a_refusal_names_the_path_as_the_client_sent_it(sim: Sim, prefix: str) -> None:
    """The older base is routed as the current one; the messages still speak of the client's."""
    with sim.client(prefix=prefix, checked=False) as api:
        missing = assert_refused(api.get("/no/such/thing"), 404, "RESOURCE_NOT_FOUND")
        wrong = assert_refused(api.delete("/contact/1001"), 405)
    assert f"GET {prefix}/no/such/thing:" in missing["message"]
    assert f"DELETE is not allowed on {prefix}/contact/1001" in wrong["message"]


def test_wrong_method_is_405_and_says_which_methods_work(sim: Sim) -> None:
    with sim.client(checked=False) as api:
        response = api.delete("/contact/1001")
    body = assert_refused(response, 405)
    assert "GET" in body["message"] and "PUT" in body["message"]


def test_options_lists_the_methods_without_a_signature(sim: Sim) -> None:
    with sim.raw() as raw:
        response = raw.options("/integrationservice-1.1.0/contact/1001")
    assert response.status_code == 200
    assert {"GET", "PUT"} <= {m.strip() for m in response.headers["Allow"].split(",")}


HUGE = b'{"contact": {"externalId": "1", "properties": {"firstName": "%s"}}}' % (
    b"x" * (3 * 1024 * 1024)
)


def post_huge(sim: Sim) -> None:
    with sim.client(checked=False) as api:
        assert_refused(
            api.post("/contact", content=HUGE, headers={"Content-Type": "application/json"}), 413
        )


def test_body_over_the_limit_is_413(sim: Sim, before: list) -> None:  # type: ignore[type-arg]
    post_huge(sim)
    assert sim.table(STATE) == before


# Served, gunicorn's buffering front refuses it before any thread runs the app: no journal entry.
@pytest.mark.in_process
def test_a_body_over_the_limit_is_journaled_clipped(sim: Sim) -> None:
    post_huge(sim)
    with sim.admin() as admin:
        [entry] = admin.get("/requests", params={"status": 413}).json()["requests"]
    assert "over the size limit" in entry["requestBody"]


def test_an_unexpected_failure_is_a_spotler_500_not_a_traceback(sim: Sim) -> None:
    # A real fault below the domain: the table of external IDs has gone missing.
    with sim.state.db.write() as conn:
        conn.execute("DROP TABLE contact_ids")
    with sim.client(checked=False) as api:
        body = assert_refused(api.get("/contact/1001"), 500, "BACKEND_EXCEPTION")
    assert "contact_ids" not in body["message"] and "Traceback" not in body["message"]


def test_report_and_listing_parameters_are_validated_by_the_contract(sim: Sim) -> None:
    with sim.client() as api:
        negative = api.get("/trend-report", params={"after": "-1"})
        unknown = api.get("/form/list", params={"formState": "published"})
    assert negative.status_code == 400 and "after" in negative.json()["message"]
    assert unknown.status_code == 400 and "formState" in unknown.json()["message"]


@pytest.mark.parametrize(
    "path", ["/mailing-interaction/bounced", "/contact/updates/list", "/trend-report"]
)
def test_an_offset_beyond_int32_is_refused_not_a_crash(sim: Sim, path: str) -> None:
    """schemathesis sent after=102935347151463161790464 and met a 500 (SQLite's integers end at
    64 bits); the contract bounds every offset as the int32 it is."""
    window = {"fromDate": "2026-01-01", "toDate": "2026-01-02"}
    with sim.client() as api:
        response = api.get(path, params={**window, "after": "102935347151463161790464"})
    assert response.status_code == 400 and response.json()["errorType"] == "INVALID_PARAMS"
    assert "after" in response.json()["message"]
