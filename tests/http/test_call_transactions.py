"""The transactions of one call: admission and a reading handler read in one snapshot, a writing
handler's work commits together with the call's journal entry, and the journal never breaks an
answer, nor undoes what the handler stored."""

from __future__ import annotations

import pytest

from tests.http.test_auth import _replay
from tests.plugins.simulator import Sim

CONTACT = {"contact": {"externalId": "held-1", "properties": {"email": "held@example.com"}}}


@pytest.mark.in_process  # reads the app's own connection
@pytest.mark.parametrize("call", ["GET /contact/1001", "POST /contact"])
def test_a_call_reads_in_one_snapshot_and_writes_once(sim: Sim, call: str) -> None:
    """Authentication and a reading handler share the snapshot; the handler's write and the
    journal entry share the write transaction; the clock is read once at most (no fault rule
    needs it at admission, and a connection keeps it while the generation label stands)."""
    statements: list[str] = []
    with sim.client() as api:
        api.get("/contact/1001")  # the caller is known to the connection from here on
        conn = sim.state.db.connection()  # the app's, as it runs on this thread
        conn.set_trace_callback(statements.append)
        try:
            if call == "GET /contact/1001":
                assert api.get("/contact/1001").status_code == 200
            else:
                assert api.post("/contact", json=CONTACT).status_code == 204
        finally:
            conn.set_trace_callback(None)
    # one snapshot (admission, and a reading handler), one write (the handler's and the entry)
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN", "BEGIN IMMEDIATE"]
    assert statements.count("COMMIT") == 2
    assert sum(1 for s in statements if "FROM clock" in s) <= 1


def test_a_write_whose_journal_entry_fails_is_stored_and_answered(sim: Sim) -> None:
    with sim.state.db.write() as conn:
        conn.execute(
            "CREATE TRIGGER journal_full BEFORE INSERT ON journal "
            "BEGIN SELECT RAISE(ABORT, 'the journal is full'); END"
        )
    with sim.client() as api:
        stored = api.post("/contact", json=CONTACT)
    assert stored.status_code == 204, stored.text
    assert sim.table("SELECT count(*) FROM contact_ids WHERE value = 'held-1'") == [(1,)]
    assert sim.table("SELECT count(*) FROM journal WHERE path = '/contact'") == [(0,)]
    assert _replay(sim, stored).status_code == 401  # its nonce was spent with the contact
    with sim.client() as api:  # and the connection is free for the next call
        assert api.get("/contact/1001").status_code == 200


def test_a_write_refused_halfway_keeps_nothing_and_is_journaled(sim: Sim) -> None:
    with sim.client() as api:
        assert api.post("/contact", json=CONTACT).status_code == 204
        again = api.post("/contact", json=CONTACT)  # insert without update: it exists
    assert again.status_code >= 400, again.text
    assert sim.table("SELECT count(*) FROM contact_ids WHERE value = 'held-1'") == [(1,)]
    statuses = sim.table("SELECT status FROM journal WHERE path = '/contact' ORDER BY id")
    assert statuses == [(204,), (again.status_code,)]
