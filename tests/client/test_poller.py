"""The Poller against an in-process simulator whose clock and visibility lag the test controls.

Changes are written through the API at simulated times; the poller runs every few minutes of
simulated time, sometimes crashing in its handler and starting again from its database. With a
margin of at least the account's lag it sees every change (the contact at that change or a
later one) and hands each (contact, change time) over once; with a margin below the lag,
hypothesis finds a change it misses for good.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, find, given, settings
from hypothesis import strategies as st

from spotler_connector.api import SpotlerClient
from spotler_connector.poller import Poller
from spotler_sim.app import create_app
from spotler_sim.config import Config
from spotler_sim.domain.clock import ClockState
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from tests.client.request_budget import RequestBudget
from tests.plugins.hypothesis_profiles import scaled
from tests.plugins.simulator import HOST
from tests.property.harness import account_document

START_MS = 1_800_000_000_000


@dataclass(frozen=True)
class Run:
    lag_s: int
    margin_s: int
    poll_every_s: int
    changes: tuple[tuple[int, int], ...]  # (seconds after the previous change, contact number)
    crash_at: frozenset[int] = frozenset()  # handler calls that raise (a crashing connector)


class Crash(Exception):
    pass


def play(run: Run) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(changes the poller never saw, changes it handed over more than once)."""
    with tempfile.TemporaryDirectory() as folder:
        db_path = str(Path(folder) / "sim.db")
        state = State(Database(db_path))
        load_fixture(state, account_document(shared_field=False, lag_seconds=run.lag_s))
        app = create_app(Config(db_path=db_path), state)
        now = [START_MS]

        def at(ms: int) -> None:
            now[0] = ms
            state.set_clock(ClockState("frozen", 0, ms))

        api = SpotlerClient(
            HOST, "w", "w", transport=RequestBudget(httpx.WSGITransport(app=app), limit=5000)
        )
        handed: list[tuple[str, int]] = []
        calls = [0]

        def handler(item: dict[str, Any]) -> None:
            calls[0] += 1
            if calls[0] in run.crash_at:
                raise Crash
            handed.append((item["externalId"], item["lastChanged"]))

        def poller() -> Poller:  # a fresh process each time, on the same database
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return Poller(
                    api, Path(folder) / "poller.db",
                    margin=timedelta(seconds=run.margin_s), allow_short_margin=True,
                    start=datetime.fromtimestamp(START_MS / 1000 - 3600, UTC),
                    clock=lambda: datetime.fromtimestamp(now[0] / 1000, UTC), page_size=2,
                )  # fmt: skip

        made, t = [], START_MS
        for gap, who in run.changes:
            t += gap * 1000
            made.append((f"c{who}", t))
        pending = list(made)
        poll_ms, last = START_MS, made[-1][1]
        # a crash costs a poll: one more for each, after the last change is old enough
        tail = run.margin_s + run.lag_s + (2 + len(run.crash_at)) * run.poll_every_s
        while poll_ms <= last + tail * 1000:
            while pending and pending[0][1] <= poll_ms:
                who, change_ms = pending.pop(0)
                at(change_ms)
                api.upsert_contact(who, {"n": change_ms // 1000 % 100_000})
            at(poll_ms)
            with contextlib.suppress(Crash):  # the next run starts from what was saved
                before = len(handed)
                result = poller().poll(handler)
                assert result.handed == len(handed) - before  # what it reports is what it did
            poll_ms += run.poll_every_s * 1000
        api.close()
        state.db.close()
    latest: dict[str, int] = {}
    for who, change_ms in handed:
        latest[who] = max(latest.get(who, 0), change_ms)
    missed = [(who, ms) for who, ms in made if latest.get(who, -1) < ms]
    twice = sorted({h for h in handed if handed.count(h) > 1})
    return missed, twice


changes = st.lists(st.tuples(st.integers(0, 900), st.integers(0, 3)), min_size=1, max_size=8)
crashes = st.frozensets(st.integers(1, 12), max_size=3)


@settings(
    max_examples=scaled(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@example(  # a crash after the first page; c1 changing again then shifted c2 off the next page
    lag_s=449, extra_s=0, poll_every_s=410, crash_at=frozenset({6}),
    changes=[(40, 0), (0, 1), (452, 0), (450, 0), (0, 1), (0, 2), (366, 1)],
)  # fmt: skip
# Window edges, pinned so that they are met on every run (a random draw found them only after
# minutes). A margin of 600 s and a poll every 900 s close windows at START+300, START+1200, ...
@example(  # c0 changes exactly at a window's end, is read there, and changes again in the next
    lag_s=0, extra_s=0, poll_every_s=900, crash_at=frozenset(), changes=[(300, 0), (700, 0)],
)  # fmt: skip
@example(  # three changes at the shared edge: the next window's first page is all overlap
    lag_s=0, extra_s=0, poll_every_s=900, crash_at=frozenset(),
    changes=[(300, 0), (0, 1), (0, 2), (400, 3), (100, 1), (200, 2)],
)  # fmt: skip
@example(  # the edge's page boundary falls inside the overlap, with a lag and a crash after it
    lag_s=120, extra_s=0, poll_every_s=900, crash_at=frozenset({4}),
    changes=[(300, 0), (0, 1), (0, 2), (0, 3), (500, 0), (0, 3), (300, 2)],
)  # fmt: skip
@given(
    lag_s=st.integers(0, 1200),
    extra_s=st.integers(0, 300),
    poll_every_s=st.integers(120, 1800),
    changes=changes,
    crash_at=crashes,
)
def test_a_margin_of_at_least_the_lag_sees_every_change_once(
    lag_s: int, extra_s: int, poll_every_s: int, changes: list[tuple[int, int]],
    crash_at: frozenset[int],
) -> None:  # fmt: skip
    run = Run(lag_s, max(600, lag_s + extra_s), poll_every_s, tuple(changes), crash_at)
    missed, twice = play(run)
    assert missed == [], f"missed {missed}"
    assert twice == [], f"handed over twice: {twice}"


def test_a_margin_below_the_lag_misses_a_change_hypothesis_can_find() -> None:
    runs = st.builds(
        lambda lag, short, every, chs: Run(lag, max(0, lag - short), every, tuple(chs)),
        st.integers(120, 1200),
        st.integers(60, 600),
        st.integers(60, 1800),
        changes,
    )
    example = find(
        runs,
        lambda run: bool(play(run)[0]),
        settings=settings(
            max_examples=scaled(300), database=None, deadline=None, phases=[Phase.generate]
        ),  # finding one is the point; shrinking it would only cost time
    )
    assert play(example)[0], "the example found misses no change when played again"


def test_a_short_margin_needs_the_flag_and_warns(tmp_path: Path) -> None:
    api = SpotlerClient(HOST, "k", "s")
    with pytest.raises(ValueError, match="allow_short_margin"):
        Poller(api, tmp_path / "p.db", margin=timedelta(minutes=2))
    with pytest.warns(UserWarning, match="missed for good"):
        Poller(api, tmp_path / "p.db", margin=timedelta(minutes=2), allow_short_margin=True)
    api.close()
