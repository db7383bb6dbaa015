"""The poller's windows walked step by step against the in-process demo simulator with a frozen
clock: which window each poll asks for, how many pages it reads (a window read in more than one
request is read again), what it hands over and what it reports, for both streams; and the exact
identity of a change, which is kept in the poller's database across restarts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from spotler_connector.api import SpotlerClient
from spotler_connector.poller import SAFE_MARGIN, Poller, PollResult, change_key
from tests.client.request_budget import RequestBudget
from tests.plugins.simulator import DEMO_KEYS, HOST, Sim

T0 = datetime(2027, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self, sim: Sim) -> None:
        self.sim, self.now = sim, T0

    def at(self, moment: datetime) -> None:
        self.now = moment
        self.sim.freeze(moment.isoformat())

    def __call__(self) -> datetime:
        return self.now


def poller(api: SpotlerClient, path: Path, clock: Clock, **options: Any) -> Poller:
    return Poller(api, path / "poller.db", start=T0, clock=clock, page_size=2, **options)


def failing_once_on(who: str, handed: list[str]) -> Callable[[dict[str, Any]], None]:
    """A handler that notes each contact it is handed, and fails the first time it meets
    ``who``."""
    failed: list[str] = []

    def handler(item: dict[str, Any]) -> None:
        if item["externalId"] == who and not failed:
            failed.append(who)
            raise RuntimeError("the host's database is down")
        handed.append(item["externalId"])

    return handler


def three_changes(api: SpotlerClient, clock: Clock) -> None:
    """P-1, P-2 and P-3 changed 1, 2 and 3 s after T0; the clock then at T0 + 20 min."""
    for second, who in enumerate(["P-1", "P-2", "P-3"], start=1):
        clock.at(T0 + timedelta(seconds=second))
        api.upsert_contact(who, {"city": "Delft"})
    clock.at(T0 + timedelta(minutes=20))


def test_a_change_is_known_by_who_and_when() -> None:
    assert change_key("updates", {"externalId": "1001", "encryptedId": "e", "lastChanged": 5}) == (
        '["1001", 5]',
        5,
    )
    unlinked = {"externalId": None, "encryptedId": "e1", "lastChanged": "7"}
    assert change_key("updates", unlinked) == ('["e1", 7]', 7)
    bounce = {"contact": {"encryptedId": "e2"}, "date": 9, "type": "HARDBOUNCE"}
    assert change_key("bounces", bounce) == ('["e2", 9]:HARDBOUNCE', 9)


def test_a_margin_below_ten_minutes_is_refused_unless_asked_for(tmp_path: Path) -> None:
    api = SpotlerClient(HOST, "k", "s")
    short = timedelta(minutes=9, seconds=59)
    with pytest.raises(ValueError) as refused:
        Poller(api, tmp_path / "p.db", margin=short)
    assert str(refused.value) == (
        "a margin of 0:09:59 is shorter than Spotler's advised 10 minutes and will miss late "
        "changes; pass allow_short_margin=True if you really mean it"
    )
    with pytest.warns(UserWarning) as warned:
        Poller(api, tmp_path / "p.db", margin=short, allow_short_margin=True)
    assert str(warned[0].message) == (
        "polling with a margin of 0:09:59: changes that show up later than that are missed for good"
    )
    # the warning points at the caller, not at the poller's own line (under make mutate a
    # trampoline of mutmut's stands between the two, so the caller's file is not asserted)
    assert Path(warned[0].filename).name != "poller.py"
    Poller(api, tmp_path / "q.db", margin=SAFE_MARGIN)  # exactly ten minutes: no warning
    api.close()


def test_updates_are_read_window_by_window_and_handed_over_once(sim: Sim, tmp_path: Path) -> None:
    clock = Clock(sim)
    handed: list[dict[str, Any]] = []
    with SpotlerClient(HOST, *DEMO_KEYS["webshop"], transport=RequestBudget(sim.transport)) as api:
        three_changes(api, clock)
        first = poller(api, tmp_path, clock).poll(handed.append)
        # Two pages (2 + 1), then a second pass over both to catch an item a shrinking list
        # moved between pages: nothing new, so it stops.
        assert first == PollResult(
            ("2027-01-01T00:00:00.000+00:00", "2027-01-01T00:10:00.000+00:00"), 4, 3, 3
        )
        assert [c["externalId"] for c in handed] == ["P-1", "P-2", "P-3"]
        restarted = poller(api, tmp_path, clock)
        assert restarted.watermark() == T0 + timedelta(minutes=10)
        assert restarted.poll(handed.append) == PollResult()  # nothing new is due yet
        clock.at(T0 + timedelta(minutes=25, seconds=30))
        assert restarted.poll(handed.append) == PollResult(
            ("2027-01-01T00:10:00.000+00:00", "2027-01-01T00:15:30.000+00:00"), 1, 0, 0
        )
        assert restarted.watermark() == T0 + timedelta(minutes=15, seconds=30)


def test_without_a_start_the_first_window_begins_one_margin_ago(sim: Sim, tmp_path: Path) -> None:
    clock = Clock(sim)
    with SpotlerClient(HOST, *DEMO_KEYS["webshop"], transport=RequestBudget(sim.transport)) as api:
        fresh = Poller(api, tmp_path / "p.db", clock=clock)
        assert fresh.watermark() == T0 - SAFE_MARGIN
        assert fresh.poll(lambda _: None) == PollResult()


def test_a_handler_that_fails_gets_the_rest_on_the_next_run(sim: Sim, tmp_path: Path) -> None:
    clock = Clock(sim)
    handed: list[str] = []
    fails_on_p2 = failing_once_on("P-2", handed)
    with SpotlerClient(HOST, *DEMO_KEYS["webshop"], transport=RequestBudget(sim.transport)) as api:
        three_changes(api, clock)
        with pytest.raises(RuntimeError):
            poller(api, tmp_path, clock).poll(fails_on_p2)
        assert handed == ["P-1"]
        again = poller(api, tmp_path, clock).poll(fails_on_p2)
    assert handed == ["P-1", "P-2", "P-3"]
    assert again.handed == 2 and again.window is not None


def test_bounces_are_a_stream_of_their_own(sim: Sim, tmp_path: Path) -> None:
    clock = Clock(sim)
    clock.now = datetime(2026, 11, 4, tzinfo=UTC)
    handed: list[dict[str, Any]] = []
    with SpotlerClient(HOST, *DEMO_KEYS["webshop"], transport=RequestBudget(sim.transport)) as api:
        bounces = Poller(
            api, tmp_path / "p.db", stream="bounces", start=datetime(2026, 11, 3, tzinfo=UTC),
            clock=clock,
        )  # fmt: skip
        result = bounces.poll(handed.append)
        updates = Poller(api, tmp_path / "p.db", start=T0, clock=lambda: T0)
        assert updates.watermark() == T0  # each stream keeps its own watermark
    assert result.handed == 1 and result.pages == 1
    assert [(b["type"], b["contact"]["externalId"]) for b in handed] == [("HARDBOUNCE", "1005")]
    assert bounces.watermark() == datetime(2026, 11, 4, tzinfo=UTC) - SAFE_MARGIN


class Pages:
    """A stand-in for the updates list: answers the pages given, in order, and records the
    paging each request asked for."""

    def __init__(self, *pages: list[dict[str, Any]]) -> None:
        self.pages, self.asked = list(pages), list[tuple[int | None, int]]()

    def updates_page(self, start: str, end: str, *, after: int | None, page_size: int) -> Any:
        self.asked.append((after, page_size))
        return {"contacts": self.pages.pop(0), "paging": {}}


def test_pages_are_a_hundred_long_unless_asked_and_a_change_listed_twice_goes_over_once(
    tmp_path: Path,
) -> None:
    change = {"externalId": "P-1", "encryptedId": "e1", "lastChanged": 1_798_761_601_000}
    api = Pages([change, change])
    handed: list[dict[str, Any]] = []
    later = T0 + timedelta(minutes=20)
    result = Poller(api, tmp_path / "p.db", start=T0, clock=lambda: later).poll(handed.append)
    assert api.asked == [(None, 100)]
    assert handed == [change] and (result.handed, result.duplicates) == (1, 1)


def test_a_run_that_stopped_inside_a_window_is_finished_where_it_stopped(
    sim: Sim, tmp_path: Path
) -> None:
    clock = Clock(sim)
    handed: list[str] = []
    fails_on_p3 = failing_once_on("P-3", handed)
    with SpotlerClient(HOST, *DEMO_KEYS["webshop"], transport=RequestBudget(sim.transport)) as api:
        three_changes(api, clock)
        with pytest.raises(RuntimeError):  # on the second page of the window
            poller(api, tmp_path, clock).poll(fails_on_p3)
        assert handed == ["P-1", "P-2"]
        clock.at(T0 + timedelta(hours=1))  # the next run comes much later
        again = poller(api, tmp_path, clock).poll(fails_on_p3)
    assert handed == ["P-1", "P-2", "P-3"]
    # the window in progress, from the page it stopped on (1 page), then read once more whole
    assert again == PollResult(
        ("2027-01-01T00:00:00.000+00:00", "2027-01-01T00:10:00.000+00:00"), 3, 1, 3
    )


def test_a_change_a_shrinking_list_moved_off_its_page_is_found_by_one_more_pass(
    sim: Sim, tmp_path: Path
) -> None:
    clock = Clock(sim)
    handed: list[str] = []
    with SpotlerClient(HOST, *DEMO_KEYS["webshop"], transport=RequestBudget(sim.transport)) as api:

        def changes_p1_again(item: dict[str, Any]) -> None:
            handed.append(item["externalId"])
            if item["externalId"] == "P-2" and handed.count("P-2") == 1:
                api.upsert_contact("P-1", {"city": "Leiden"})  # now: out of this window

        three_changes(api, clock)
        result = poller(api, tmp_path, clock).poll(changes_p1_again)
    # page 1 [P-1, P-2]; page 2 (from the 3rd item) is empty, as P-1 left the list; one more
    # pass reads [P-2, P-3] in one page, hands over P-3, and stops: a one-page pass is whole
    assert handed == ["P-1", "P-2", "P-3"]
    assert result == PollResult(
        ("2027-01-01T00:00:00.000+00:00", "2027-01-01T00:10:00.000+00:00"), 3, 3, 1
    )
