"""SpotlerClient against the simulator: calls, typed errors, and errors kept apart from transport
failures."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from spotler_connector import errors
from spotler_connector.api import SpotlerClient
from tests.plugins.simulator import DEMO_KEYS, LiveServer, Sim, serving


@pytest.fixture
def api(sim: Sim) -> Iterator[SpotlerClient]:
    with SpotlerClient(sim.base, *DEMO_KEYS["webshop"], transport=sim.transport) as client:
        yield client


def test_contact_calls_round_trip(api: SpotlerClient) -> None:
    api.insert_contact("5001", {"email": "ann@example.com", "firstName": "Ann"})
    api.upsert_contact("5001", {"firstName": "Anne"})
    api.update_contact("5001", {"lastName": "Smit"})
    contact = api.get_contact("5001")
    assert (
        contact["properties"]["firstName"] == "Anne" and contact["properties"]["lastName"] == "Smit"
    )
    api.anonymize_contact("5001")
    assert not api.get_contact("5001")["properties"].get("email")  # anonymized: no address left


@pytest.mark.parametrize(
    ("call", "family", "error_type"),
    [
        (lambda a: a.get_contact("nobody"), errors.NotFound, "CONTACT_NOT_FOUND"),
        (lambda a: a.insert_contact("1001", {"email": "x@example.com"}), errors.Conflict, None),
        (lambda a: a.insert_contact("1", {"nope": "x"}), errors.InvalidRequest, "INVALID_PROPERTY"),
    ],
)
def test_errors_are_typed_by_family_and_permanent(api, call, family, error_type) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(family) as raised:
        call(api)
    assert not raised.value.transient and raised.value.status in (400, 404, 409)
    if error_type:
        assert raised.value.error_type == error_type


def test_a_wrong_secret_is_an_authentication_failure(sim: Sim) -> None:
    with (
        SpotlerClient(sim.base, "demo-webshop", "wrong", transport=sim.transport) as client,
        pytest.raises(errors.AuthenticationFailed) as raised,
    ):
        client.get_contact("1001")
    assert raised.value.status == 401 and not raised.value.transient


def test_status_faults_429_and_5xx_are_transient(sim: Sim, api: SpotlerClient) -> None:
    with sim.admin() as admin:
        admin.post("/faults", json={"effect": {"type": "rateLimit", "retryAfter": 42}, "first": 1})
        admin.post("/faults", json={"effect": {"type": "status", "status": 503}, "first": 1})
    with pytest.raises(errors.RateLimited) as limited:
        api.get_contact("1001")
    assert limited.value.transient and limited.value.retry_after == 42
    with pytest.raises(errors.ServiceError) as failed:
        api.get_contact("1001")
    assert failed.value.transient and failed.value.error_type == "BACKEND_EXCEPTION"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("client") / "serve.log") as server:
        yield server


def _fault(live: LiveServer, effect: dict[str, object]) -> None:
    httpx.post(
        live.base + "/__admin/faults", json={"effect": effect, "first": 1}
    ).raise_for_status()


def test_a_reset_is_a_transport_error_that_may_have_been_sent(live: LiveServer) -> None:
    _fault(live, {"type": "reset"})
    with (
        SpotlerClient(live.base, *DEMO_KEYS["webshop"]) as client,
        pytest.raises(errors.TransportError) as raised,
    ):
        client.get_contact("1001")
    assert raised.value.transient and raised.value.sent and raised.value.status is None


def test_a_hang_is_a_timeout(live: LiveServer) -> None:
    _fault(live, {"type": "hang", "seconds": 3})
    with (
        SpotlerClient(live.base, *DEMO_KEYS["webshop"], timeout=0.5) as client,
        pytest.raises(errors.Timeout) as raised,
    ):
        client.get_contact("1001")
    assert raised.value.transient and raised.value.sent


def test_a_malformed_answer_is_an_unknown_outcome(live: LiveServer) -> None:
    _fault(live, {"type": "malformed"})
    with (
        SpotlerClient(live.base, *DEMO_KEYS["webshop"]) as client,
        pytest.raises(errors.TransportError) as raised,
    ):
        client.get_contact("1001")
    assert raised.value.sent


def test_nothing_listening_is_a_transport_error_never_sent() -> None:
    with (
        SpotlerClient("http://127.0.0.1:9", "k", "s", timeout=2) as client,
        pytest.raises(errors.TransportError) as raised,
    ):
        client.get_contact("1")
    assert raised.value.transient and not raised.value.sent


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert errors.retry_after_seconds("30") == 30
    assert errors.retry_after_seconds("Mon, 02 Nov 2026 12:01:00 GMT", now=1793620800.0) == 60
    assert errors.retry_after_seconds("soon") is None and errors.retry_after_seconds(None) is None
