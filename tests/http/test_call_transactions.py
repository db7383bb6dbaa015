"""The transactions of one call: admission and a reading handler read in one snapshot, a writing
handler's work commits together with the call's journal entry, and the journal never breaks an
answer, nor undoes what the handler stored."""

from __future__ import annotations

from typing import Any

import pytest

from spotler_sim.domain.journal import JournalLimit
from spotler_sim.store import journal as journal_store
from spotler_sim.store.database import WriterQueue
from tests.http.test_auth import _replay
from tests.plugins.simulator import API, Sim
from tests.turns import turn_is_free

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


@pytest.mark.in_process  # watches the app's own journal entries as they are made
@pytest.mark.parametrize("call", ["GET /contact/1001", "unsigned GET /contact/1001"])
def test_a_journal_entry_is_made_before_the_writer_turn_is_taken(
    sim: Sim, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    """A call whose handler wrote nothing formats its entry while other workers may still
    write: only the nonce and the insert hold the turn."""
    other = WriterQueue(sim.state.db.path)  # another worker's place in the queue
    free_while_made: list[bool] = []
    prepare = journal_store.prepare

    def watched(entry: dict[str, Any], limit: JournalLimit) -> list[Any]:
        free_while_made.append(turn_is_free(other))
        return prepare(entry, limit)

    monkeypatch.setattr(journal_store, "prepare", watched)
    if call.startswith("unsigned"):
        with sim.raw() as raw:
            answered = raw.get(f"{API}/contact/1001")
        assert answered.status_code == 401
    else:
        with sim.client() as api:
            assert api.get("/contact/1001").status_code == 200
    assert free_while_made == [True]
    (status,) = sim.table("SELECT status FROM journal ORDER BY id DESC LIMIT 1")[0]
    assert status == (401 if call.startswith("unsigned") else 200)


@pytest.mark.in_process
def test_a_replayed_call_is_journaled_as_refused(sim: Sim) -> None:
    """The entry made before the turn said 200; the nonce, spent in the turn, refused the call:
    the entry written is the refusal's."""
    with sim.client() as api:
        first = api.get("/contact/1001")
    assert first.status_code == 200
    replay = _replay(sim, first)
    assert replay.status_code == 401
    rows = sim.table("SELECT status, error_type FROM journal ORDER BY id DESC LIMIT 1")
    assert rows == [(401, "NOT_AUTHORIZED")]
