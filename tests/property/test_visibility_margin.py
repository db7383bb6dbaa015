"""The vendor's 10-minute-margin advice, as a property of the simulator's visibility lag.

A poller walks consecutive windows ``[previous end, now - M]``. For any sequence of contact
changes and any lag L: with M >= L it sees every change (the contact, at that change or a later
one); with M < L hypothesis finds a change it misses for good.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import find, given, settings
from hypothesis import strategies as st

from spotler_sim.domain import contacts
from spotler_sim.domain.paging import PageRequest
from spotler_sim.domain.timewindows import Window
from tests.plugins.hypothesis_profiles import scaled
from tests.property.harness import Harness, account_document

START = 1_800_000_000_000
SECOND = 1000


@dataclass(frozen=True)
class Run:
    lag_s: int
    margin_s: int
    poll_every_s: int
    changes: tuple[tuple[int, int], ...]  # (seconds since the previous change, contact number)


def missed_changes(run: Run) -> list[tuple[str, int]]:
    """Changes the poller never saw, neither themselves nor superseded by a later listing."""
    sim = Harness(account_document(shared_field=False, lag_seconds=run.lag_s))
    made: list[tuple[str, int]] = []
    t = START
    for gap, who in run.changes:
        t += gap * SECOND
        made.append((f"c{who}", t))
    last_change = made[-1][1] if made else START
    seen: dict[str, int] = {}
    watermark = START - 3600 * SECOND
    pending = list(made)
    poll = START
    # Poll until every change is older than margin + lag + one poll interval.
    while poll <= last_change + (run.margin_s + run.lag_s + 2 * run.poll_every_s) * SECOND:
        while pending and pending[0][1] <= poll:
            external_id, at = pending.pop(0)
            sim.upsert("w", external_id, at, n=(at - START) // SECOND)
        end = poll - run.margin_s * SECOND
        if end >= watermark:
            after = 0
            while True:
                with sim.session("w") as (repo, caller):
                    page_items, page = contacts.updated(
                        repo, caller, Window(watermark, end), PageRequest(after, 50), poll
                    )
                for item in page_items:
                    seen[item["externalId"]] = max(
                        seen.get(item["externalId"], 0), item["lastChanged"]
                    )
                if not page.has_more:
                    break
                after = page.after
            watermark = end + 1
        poll += run.poll_every_s * SECOND
    return [(who, at) for who, at in made if seen.get(who, -1) < at]


changes = st.lists(st.tuples(st.integers(0, 900), st.integers(0, 4)), min_size=1, max_size=12).map(
    tuple
)


@settings(max_examples=scaled(40))
@given(
    lag_s=st.integers(0, 900),
    extra_margin_s=st.integers(0, 600),
    poll_every_s=st.integers(30, 1800),
    changes=changes,
)
def test_a_margin_at_least_the_lag_never_misses_a_change(
    lag_s: int, extra_margin_s: int, poll_every_s: int, changes: tuple[tuple[int, int], ...]
) -> None:
    run = Run(lag_s, lag_s + extra_margin_s, poll_every_s, changes)
    assert missed_changes(run) == []


def test_a_margin_below_the_lag_misses_a_change_hypothesis_can_find() -> None:
    runs = st.builds(
        lambda lag, short, every, chs: Run(lag, max(0, lag - short), every, chs),
        st.integers(60, 900),
        st.integers(1, 600),
        st.integers(30, 1800),
        changes,
    )
    example = find(
        runs,
        lambda run: run.margin_s < run.lag_s and bool(missed_changes(run)),
        settings=settings(max_examples=scaled(500), database=None),
    )
    assert example.margin_s < example.lag_s
