"""The journal's cap and the body limits in process: queries clipped like bodies, the admin seed
takes what its contract allows, and each 413 names its own limit."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from spotler_sim.app import create_app
from spotler_sim.config import DEFAULT_FIXTURE, Config
from spotler_sim.domain.journal import JournalLimit
from spotler_sim.fixtures.load import load_fixture_file
from spotler_sim.state import State
from spotler_sim.store import Database
from tests.plugins.simulator import Sim


@pytest.fixture
def make_sim(tmp_path: Path) -> Iterator[Callable[..., Sim]]:
    states: list[State] = []

    def build(**options: object) -> Sim:
        db_path = str(tmp_path / f"state{len(states)}.db")
        state = State(Database(db_path))
        load_fixture_file(state, DEFAULT_FIXTURE)
        states.append(state)
        app = create_app(Config(db_path=db_path, **options), state)  # type: ignore[arg-type]
        return Sim.in_process(state, app)

    yield build
    for state in states:
        state.db.close()


def test_a_long_query_is_journaled_clipped_like_a_body(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(journal_limit=JournalLimit(bytes=10_000, clip=100))
    with sim.client(checked=False) as api:
        api.get("/contact/1001", params={"padding": "x" * 5000})
    with sim.admin() as admin:
        [entry] = admin.get("/requests").json()["requests"]
    assert len(entry["query"]) == 100 + len("...(clipped)")
    assert entry["query"].endswith("...(clipped)")


def test_the_admin_seed_takes_more_than_the_api_body_limit(sim: Sim) -> None:
    """The contract allows 100,000 contacts per call; the API's 2 MiB stopped it near 15,000."""
    name = "x" * 250
    seeds = [
        {"ids": {"externalCustomerId": f"s{n}"}, "properties": {"firstName": name}}
        for n in range(9_000)
    ]
    body = json.dumps(seeds).encode()
    assert len(body) > Config.max_body_bytes
    with sim.admin() as admin:
        response = admin.post(
            "/accounts/demo/contacts", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 204, response.text
    [(count,)] = sim.table(
        "SELECT count(*) FROM contact_ids WHERE field = 'externalCustomerId' AND value LIKE 's%'"
    )
    assert count == 9_000


def test_the_admin_413_names_the_admin_limit(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(max_admin_body_bytes=1000)
    seeds = [{"ids": {"externalCustomerId": f"s{n}"}} for n in range(100)]
    with sim.admin() as admin:
        response = admin.post("/accounts/demo/contacts", json=seeds)
    assert response.status_code == 413
    body = response.json()
    assert body["errorType"] == "INVALID_PARAMS"
    assert "admin API's limit of 1,000 bytes" in body["message"]
    assert "100,000 contacts per call" in body["message"]


def test_the_api_413_names_the_api_limit(make_sim: Callable[..., Sim]) -> None:
    sim = make_sim(max_body_bytes=1000)
    contacts = [{"externalId": f"b{n}", "properties": {"email": f"b{n}@x.nl"}} for n in range(40)]
    with sim.client(checked=False) as api:
        response = api.post("/contact/list", json={"update": True, "contacts": contacts})
    assert response.status_code == 413
    assert "API's limit of 1,000 bytes" in response.json()["message"]
    assert "100 contacts per batch" in response.json()["message"]
