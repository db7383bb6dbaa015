"""Membership invariants of audiences and temporary lists, for any sequence of calls.

An audience's members are always the set the calls describe: an add is a union, a remove a set
difference, a remove without a body empties it, and a call naming an unknown contact either
changes nothing (add) or passes it over (remove). A temporary list only grows, by unions, and a
call with an unknown contact leaves it as it was. Nobody is ever a member twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.domain import audiences, templists
from spotler_sim.domain.model import Caller
from spotler_sim.errors import SpotlerError
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.accounts import caller_for_key
from spotler_sim.store.audiences import SqliteAudiences
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.templists import SqliteTemporaryLists

KNOWN = ["1", "2", "3", "4"]
UNKNOWN = "nobody"
DOCUMENT = {
    "accounts": [
        {
            "name": "prop",
            "authentications": [{"label": "shop", "key": "k", "secret": "s"}],
            "contacts": [{"ids": {"externalCustomerId": i}} for i in KNOWN],
            "audiences": [{"externalId": "A", "name": "A"}],
            "temporaryLists": [{"externalTemporaryListId": "T", "name": "T"}],
        }
    ]
}

names = st.lists(st.sampled_from([*KNOWN, UNKNOWN]), max_size=6)
audience_calls = st.lists(
    st.one_of(
        st.tuples(st.just("add"), names),
        st.tuples(st.just("remove"), names),
        st.tuples(st.just("remove"), st.none()),
    ),
    min_size=1,
    max_size=12,
)


class Account:
    def __init__(self) -> None:
        self.state = State(Database(":memory:"))
        load_fixture(self.state, DOCUMENT)

    @contextmanager
    def session(self) -> Iterator[tuple[SqliteContacts, Caller]]:
        with self.state.db.write() as conn:
            caller = caller_for_key(conn, "k")
            assert caller is not None
            yield SqliteContacts(conn, caller.account.id), caller

    def members(self, table: str) -> list[str]:
        """The externalCustomerIds of the one audience's or list's members, as stored."""
        with self.state.db.read() as conn:
            rows = conn.execute(
                f"SELECT i.value FROM {table} m JOIN contact_ids i ON i.contact_id = m.contact_id"
            )
            return [row[0] for row in rows]


@given(audience_calls)
def test_audience_members_are_the_set_the_calls_describe(
    calls: list[tuple[str, list[str] | None]],
) -> None:
    account, expected = Account(), set[str]()
    for step, (kind, sent) in enumerate(calls):
        body = None if sent is None else {"contacts": sent}
        try:
            with account.session() as (contacts, caller):
                repo = SqliteAudiences(contacts.conn, caller.account.id)
                if kind == "add":
                    assert body is not None
                    audiences.add_contacts(repo, contacts, caller, "A", body, step)
                else:
                    audiences.remove_contacts(repo, contacts, caller, "A", body, step)
        except SpotlerError as refusal:
            assert kind == "add" and sent is not None and UNKNOWN in sent
            assert refusal.extra == {"externalContactIds": [UNKNOWN]}
        else:
            if kind == "add":
                assert sent is not None and UNKNOWN not in sent
                expected |= set(sent)
            else:
                expected -= set(KNOWN if sent is None else sent)
        stored = account.members("audience_members")
        assert len(stored) == len(set(stored))
        assert set(stored) == expected


@given(st.lists(names, min_size=1, max_size=10))
def test_a_temporary_list_grows_by_unions_and_all_or_nothing(calls: list[list[str]]) -> None:
    account, expected = Account(), set[str]()
    for sent in calls:
        try:
            with account.session() as (contacts, caller):
                repo = SqliteTemporaryLists(contacts.conn, caller.account.id)
                templists.add_contacts(repo, contacts, caller, "T", {"contacts": sent})
        except SpotlerError as refusal:
            assert UNKNOWN in sent and refusal.error_type == "CONTACT_NOT_FOUND"
        else:
            assert UNKNOWN not in sent
            expected |= set(sent)
        stored = account.members("temporary_list_members")
        assert len(stored) == len(set(stored))
        assert set(stored) == expected
