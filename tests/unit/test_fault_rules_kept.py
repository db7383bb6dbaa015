"""Each worker keeps the fault rules it has read, and sees at once a rule another worker added
or removed; the counters of a rule, which change on every match, are not kept with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.store import Database
from spotler_sim.store import faults as store

RULE = {"effect": {"type": "status", "status": 503}}


@settings(max_examples=30, deadline=None)
@given(steps=st.lists(st.sampled_from(["add", "remove", "clear", "match"]), max_size=8))
def test_a_worker_sees_every_rule_another_worker_added_or_removed(
    tmp_path_factory: pytest.TempPathFactory, steps: list[str]
) -> None:
    path = str(tmp_path_factory.mktemp("rules") / "rules.db")
    mine, other = Database(path), Database(path)  # two workers on one file
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
