"""Seeding contacts in bulk (fixtures, snapshots, the admin seed) leaves exactly what seeding
them one at a time through the repository's single-contact writes leaves, and refuses the same
entries: the first bad one, named by its place, with nothing of the seeding kept."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.domain import properties
from spotler_sim.domain.clock import ClockState
from spotler_sim.domain.contacts import StoredContact
from spotler_sim.domain.model import Account
from spotler_sim.errors import SpotlerError
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.fixtures.seeding import as_input, seed_contacts
from spotler_sim.state import State
from spotler_sim.store import Database
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.encrypted_ids import encode
from tests.plugins.hypothesis_profiles import scaled

NOW = 1_700_000_000_000
SEEDED = 2  # the id of the account seeded (after "first")
ACCOUNT = {
    "name": "seeded",
    "idFields": ["externalCustomerId", "crmId"],
    "properties": [
        {"name": "email", "type": "email"},
        {"name": "n", "type": "int"},
        {
            "name": "interests",
            "type": "set",
            "entries": [{"bit": 1, "description": "a"}, {"bit": 2, "description": "b"}],
        },
    ],
}
TABLES = (
    "SELECT id, account_id, encrypted_id, encrypted_given, email, properties, channels, "
    "test_group, anonymized, created_ms, changed_ms, listed_ms FROM contacts ORDER BY id",
    "SELECT account_id, field, value, contact_id FROM contact_ids ORDER BY account_id, field, value",
    # the indexes too: a large load into an empty account sets them aside and builds them again
    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
)

# Good entries, each with ID values and an encryptedId of its own, and now and then one with a
# defect: an ID field or a property the account lacks, a value its property refuses, an ID
# value or encryptedId an earlier entry or a contact the account has already holds. An
# encryptedId may also be one the simulator makes for a row of the account (SEEDED is its id):
# the entry's own (kept as made), an earlier contact's (refused), a later one's (who then gets
# a spare), or that of a row of the other account.
good_seed = st.fixed_dictionaries(
    {"ids": st.sets(st.sampled_from(["externalCustomerId", "crmId"]), min_size=1)},
    optional={
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "email": st.sampled_from(["A@x.nl", "b@x.nl", None]),
                "n": st.sampled_from([1, "2", None]),
                "interests": st.sampled_from([[1], [2, 1], [{"bit": 2, "enabled": False}], []]),
            },
        ),
        "testGroup": st.booleans(),
        "anonymized": st.booleans(),
        "channels": st.just([{"name": "EMAIL", "value": False}]),
        "encryptedId": st.just("x") | st.integers(1, 14),  # 1-14: made for that row
        "created": st.integers(0, 10**13),
        "lastChanged": st.integers(0, 10**13),
        "listed": st.none() | st.integers(0, 10**13),
    },
)
DEFECTS: list[dict[str, Any]] = [
    {"ids": {"other": "1"}},
    {"properties": {"unknown": "v"}},
    {"properties": {"n": "x"}},
    {"properties": {"interests": [3]}},
    {"ids": {"crmId": "s0"}},  # the first entry's, when it has a crmId
    {"ids": {"externalCustomerId": "e0"}},  # the account's first contact's, when it has one
    {"encryptedId": "xs0"},
    {"encryptedId": "xe0"},
]


@st.composite
def seed_lists(draw: st.DrawFn, prefix: str, max_size: int) -> list[dict[str, Any]]:
    seeds = []
    for index, drawn in enumerate(draw(st.lists(good_seed, max_size=max_size))):
        seed = {**drawn, "ids": {field: f"{prefix}{index}" for field in sorted(drawn["ids"])}}
        if isinstance(seed.get("encryptedId"), int):
            seed["encryptedId"] = encode(SEEDED, seed["encryptedId"])
        elif "encryptedId" in seed:
            seed["encryptedId"] = f"x{prefix}{index}"
        seeds.append(seed)
    if prefix == "s" and seeds and draw(st.integers(0, 2)) == 0:
        where = draw(st.integers(0, len(seeds) - 1))
        seeds[where] = {**seeds[where], **draw(st.sampled_from(DEFECTS))}
    return seeds


def seed_one_by_one(
    repo: SqliteContacts, account: Account, seeds: list[dict[str, Any]], now: int
) -> None:
    """The reference: one contact at a time through the single-contact writes, each ID value
    looked up before it is set (what the fixture loader did before it wrote in bulk)."""
    for index, entry in enumerate(seeds):
        try:
            contact = StoredContact.unsaved(now)
            repo.insert(contact, None)
            sent = {n: as_input(account, n, v) for n, v in entry.get("properties", {}).items()}
            contact.properties = properties.merge(account, {}, sent, purge=True)
            contact.test_group = bool(entry.get("testGroup", False))
            contact.channels = entry.get("channels")
            contact.anonymized = bool(entry.get("anonymized", False))
            repo.save(contact, properties.email_key(contact.properties))
            for field, value in entry["ids"].items():
                if field not in account.id_fields:
                    raise SpotlerError.invalid_params(f"no ID field {field}")
                if repo.by_external_id(field, value) is not None:
                    raise SpotlerError.invalid_params(f"{field} = {value} twice")
                repo.set_external_id(contact.id, field, value)
            changed = int(entry.get("lastChanged", now))
            contact.encrypted_id = entry.get("encryptedId", contact.encrypted_id)
            contact.created_ms = int(entry.get("created", now))
            contact.changed_ms = changed
            contact.listed_ms = entry.get("listed", changed)
            repo.restore(contact)
        except sqlite3.IntegrityError:  # a repeated encryptedId
            raise Refused(index, "INVALID_PARAMS") from None
        except SpotlerError as refusal:
            raise Refused(index, refusal.error_type) from None


class Refused(Exception):
    def __init__(self, index: int, error_type: str) -> None:
        super().__init__(index, error_type)
        self.index, self.error_type = index, error_type


def seeded_state(earlier: list[dict[str, Any]]) -> State:
    """An account made by a fixture (with ``earlier`` as its contacts), and another account
    before it so that contact ids are not the account's own numbering."""
    state = State(Database(":memory:"))
    state.set_clock(ClockState("frozen", 0, NOW))  # both runs write the same times
    first = {"name": "first", "contacts": [{"ids": {"externalCustomerId": "1"}}]}
    load_fixture(state, {"accounts": [first]})
    load_fixture(state, {"accounts": [{**ACCOUNT, "contacts": earlier}]})
    with state.db.read() as conn:
        assert state.account(conn, "seeded").id == SEEDED
    return state


def tables(state: State) -> list[list[tuple[Any, ...]]]:
    with state.db.read() as conn:
        return [[tuple(row) for row in conn.execute(query)] for query in TABLES]


def run(state: State, seeds: list[dict[str, Any]], bulk: int | None) -> Refused | None:
    """Seed one at a time (``bulk`` None), or in bulk with the indexes set aside from ``bulk``
    entries into an empty account."""
    try:
        with state.db.write() as conn:
            account = state.account(conn, "seeded")
            repo = SqliteContacts(conn, account.id)
            if bulk is not None:
                seed_contacts(repo, account, seeds, NOW, chunk=3, set_aside_from=bulk)
            else:
                seed_one_by_one(repo, account, seeds, NOW)
    except SpotlerError as refusal:
        index = int(refusal.message.removeprefix("contacts[").partition("]")[0])
        return Refused(index, refusal.error_type)
    except Refused as refused:
        return refused
    return None


@settings(max_examples=scaled(150), deadline=None)
@given(seed_lists("e", max_size=3), seed_lists("s", max_size=8), st.sampled_from([0, 10**9]))
def test_bulk_seeding_leaves_what_one_at_a_time_leaves(
    earlier: list[dict[str, Any]], seeds: list[dict[str, Any]], set_aside_from: int
) -> None:
    try:
        bulk, single = seeded_state(earlier), seeded_state(earlier)
    except SpotlerError:
        return  # a fixture the loader refuses has no account to seed into
    before = tables(bulk)
    refused_bulk, refused_single = run(bulk, seeds, set_aside_from), run(single, seeds, None)
    assert (refused_bulk is None) == (refused_single is None)
    if refused_bulk is not None and refused_single is not None:
        assert (refused_bulk.index, refused_bulk.error_type) == (
            refused_single.index,
            refused_single.error_type,
        )
        assert tables(bulk) == before  # nothing of a refused seeding is kept
    assert tables(bulk) == tables(single)


def test_a_refusal_names_the_entry_and_what_to_do() -> None:
    state = seeded_state([{"ids": {"crmId": "7"}}])
    cases = [
        (
            {"ids": {"crmId": "7"}},
            "contacts[1] (crmId '7') has crmId = '7', as a contact the account has already does",
        ),
        (
            {"ids": {"crmId": "8"}, "encryptedId": "x1"},
            "contacts[1] (crmId '8') has encryptedId 'x1', as contacts[0] (crmId '9') does",
        ),
        (
            {"ids": {"nope": "1"}},
            "contacts[1] (nope '1') uses ID field 'nope', which account "
            "'seeded' does not have: add it to idFields",
        ),
        (
            {"ids": {"crmId": "8"}, "properties": {"n": "x"}},
            "contacts[1] (crmId '8'): Property 'n' (type int) has an invalid value 'x'",
        ),
    ]
    for bad, message in cases:
        with pytest.raises(SpotlerError) as refused, state.db.write() as conn:
            account = state.account(conn, "seeded")
            good = {"ids": {"crmId": "9"}, "encryptedId": "x1"}
            seed_contacts(SqliteContacts(conn, account.id), account, [good, bad], NOW)
        assert refused.value.message.startswith(message), refused.value.message
    assert len(tables(state)[0]) == 2  # the fixture's two contacts, nothing of the refusals
