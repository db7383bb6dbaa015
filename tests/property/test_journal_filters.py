"""A journal filter on a status finds exactly the calls answered with it, newest first, whether
that status is a refusal (read through the index of refused calls) or not (read without it)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.domain.journal import JournalLimit
from spotler_sim.store import Database, journal
from tests.journal_rows import stored

STATUSES = st.sampled_from([200, 204, 302, 399, 400, 401, 404, 429, 500, 503])


@settings(max_examples=60, deadline=None)
@given(
    answered=st.lists(st.one_of(STATUSES, st.none()), max_size=40),  # None: a dropped answer
    wanted=STATUSES,
    as_text=st.booleans(),  # the dashboard filters with the text of its address
)
def test_a_status_filter_finds_exactly_the_calls_answered_with_it(
    answered: list[int | None], wanted: int, as_text: bool
) -> None:
    db = Database(":memory:")
    limit = JournalLimit()
    with db.write() as conn:
        ids = [journal.record(conn, stored(n, status=s), limit) for n, s in enumerate(answered)]
    filters = {"status": str(wanted) if as_text else wanted}
    expected = [
        i for i, status in reversed(list(zip(ids, answered, strict=True))) if status == wanted
    ]
    with db.read() as conn:
        found = journal.entries(conn, filters, 0, 100)
        assert [row["id"] for row in found] == expected
        assert journal.count(conn, filters) == len(expected)
