"""Every query the API runs on a hot path is answered from an index, never a table scan.

This is what keeps an updates page as cheap at a million contacts as at a thousand;
``bench/updates_page.py`` measures it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.store import Database

QUERIES = {
    "updates window": "SELECT id FROM contacts WHERE account_id = 1 AND listed_ms BETWEEN 1 AND 2 "
    "ORDER BY listed_ms, id LIMIT 10 OFFSET 0",
    "e-mail dedup": "SELECT id FROM contacts WHERE account_id = 1 AND email = 'a' ORDER BY id",
    "external id": "SELECT contact_id FROM contact_ids WHERE account_id = 1 AND field = 'f' AND value = 'v'",
    "ids of a contact": "SELECT contact_id, field, value FROM contact_ids WHERE contact_id IN (1, 2)",
    "due pending changes": "SELECT id FROM pending_changes WHERE account_id = 1 AND visible_ms <= 5 "
    "ORDER BY visible_ms, id",
    "bounces window": "SELECT contact_id FROM bounces WHERE account_id = 1 AND date_ms BETWEEN 1 AND 2 "
    "AND visible_ms <= 3 ORDER BY date_ms, id LIMIT 10",
    "nonce pruning": "DELETE FROM nonces WHERE timestamp < 5",
    "authentication": "SELECT secret FROM authentications WHERE key = 'k'",
    "dashboard contacts": "SELECT id FROM contacts WHERE account_id = 1 "
    "ORDER BY changed_ms DESC, id DESC LIMIT 50",
    "dashboard journal": "SELECT * FROM journal WHERE account = 'a' AND id > 5 ORDER BY id DESC",
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.read() as conn:
        plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + QUERIES[name]))
    steps = plan.split(" | ")
    assert all("INDEX" in step or "PRIMARY KEY" in step for step in steps), plan
    assert "USE TEMP B-TREE" not in plan, plan
