"""Each worker keeps the fault rules and the clock it has read, and sees at once a rule another
worker added or removed, or the clock it set; the counters of a rule, which change on every
match, are not kept with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.domain.clock import ClockState
from spotler_sim.store import Database
from spotler_sim.store import faults as store
from spotler_sim.store.clock import read_clock, write_clock

RULE = {"effect": {"type": "status", "status": 503}}
EXAMPLES = settings(max_examples=30, deadline=None)


def two_workers(folders: pytest.TempPathFactory) -> tuple[Database, Database]:
    """Two workers' handles on one new file."""
    path = str(folders.mktemp("kept") / "kept.db")
    return Database(path), Database(path)


@EXAMPLES
@given(steps=st.lists(st.sampled_from(["add", "remove", "clear", "match"]), max_size=8))
def test_a_worker_sees_every_rule_another_worker_added_or_removed(
    tmp_path_factory: pytest.TempPathFactory, steps: list[str]
) -> None:
    mine, other = two_workers(tmp_path_factory)
    with mine.read() as conn:
        assert store.rules(conn) == []
    for step in steps:
        with other.write() as conn:
            ids = [row[0] for row in store.all_faults(conn)]
            if step == "add":
                store.add_fault(conn, {**RULE, "description": f"rule {len(ids)}"})
            elif step == "remove" and ids:
                store.delete_fault(conn, ids[0])
            elif step == "clear":
                store.clear_faults(conn)
            elif step == "match" and ids:
                store.count_match(conn, ids[-1])
        with mine.read() as conn:
            kept = [(rule.id, rule.description) for rule in store.rules(conn)]
            read = [(i, doc.get("description", "")) for i, doc, _, _ in store.all_faults(conn)]
            assert kept == read, step
    mine.close()
    other.close()


def test_kept_rules_cost_no_read_but_the_label(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "rules.db"))
    with db.write() as conn:
        store.add_fault(conn, RULE)
    with db.read() as conn:
        store.rules(conn)
    statements: list[str] = []
    with db.read() as conn:
        conn.set_trace_callback(statements.append)
        assert [rule.kind for rule in store.rules(conn)] == ["status"]
        conn.set_trace_callback(None)
    assert statements == ["SELECT n FROM generation WHERE id = 1"]


CLOCKS = st.builds(
    ClockState,
    mode=st.sampled_from(["real", "offset", "frozen"]),
    offset_ms=st.integers(-(10**9), 10**9),
    frozen_ms=st.none() | st.integers(0, 2 * 10**12),
)


@EXAMPLES
@given(clocks=st.lists(CLOCKS, max_size=6))
def test_a_worker_sees_the_clock_another_worker_set(
    tmp_path_factory: pytest.TempPathFactory, clocks: list[ClockState]
) -> None:
    mine, other = two_workers(tmp_path_factory)
    with mine.read() as conn:
        assert read_clock(conn) == ClockState()
    for clock in clocks:
        with other.write() as conn:
            write_clock(conn, clock)
        with mine.read() as conn:
            assert read_clock(conn) == clock
        with mine.write() as conn:  # and a write transaction reads what it wrote itself
            write_clock(conn, ClockState())
            assert read_clock(conn) == ClockState()
            write_clock(conn, clock)
            assert read_clock(conn) == clock
    mine.close()
    other.close()


def test_a_transaction_begun_by_a_savepoint_reads_the_label_again(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Only a read transaction knows its label cannot change; one that a SAVEPOINT begins after
    it is not that transaction."""
    mine, other = two_workers(tmp_path_factory)
    with mine.read() as conn:
        assert read_clock(conn) == ClockState()  # the label read in that snapshot
    frozen = ClockState("frozen", 0, 1_700_000_000_000)
    with other.write() as conn:
        write_clock(conn, frozen)
    conn = mine.connection()
    conn.execute("SAVEPOINT outside")
    try:
        assert read_clock(conn) == frozen
    finally:
        conn.execute("RELEASE outside")
    mine.close()
    other.close()
