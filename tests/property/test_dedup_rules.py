"""The dedup rules in general, against a small reference model of what docs/dedup.md promises.

Hypothesis draws an account (its ID fields, authentications linked to them, contacts already
there, an ordered list of single- and multi-field rules that may name any ID field) and a
sequence of inserts and upserts from several authentications. Each call goes through the real
domain and store; after each one, every contact's e-mail address and ID values must be what the
model says. The model reads the documentation literally:

- the rules are tried in their order, and the first rule that matches decides;
- a rule matches a contact when every one of its fields has a value in the call and the contact
  holds that same value (``email``: the address; ``externalId``: the caller's own ID field; an
  ID field by name: the value the call sends for it, which is the caller's ID when it is the
  caller's field and nothing otherwise, since a call carries no other system's ID);
- when a rule matches several contacts, the first (oldest) one is taken;
- no match makes a new contact; a match with ``update: false`` is refused, nothing changes;
- the caller's ID value is written into the caller's own field of that contact, moving it from
  any contact that held it before; the e-mail address sent replaces the contact's.

The ``@example`` cases pin one situation per rule of the list above, so a bug in any of them is
caught on every run, not only when the draw happens to find it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from spotler_sim.domain import contacts
from spotler_sim.domain.model import CALLER_ID
from spotler_sim.errors import SpotlerError
from tests.plugins.hypothesis_profiles import scaled
from tests.property.harness import Harness

ID_FIELDS = ("shopId", "crmId", "posId")
VALUES = ("1", "2", "3")
EMAILS = ("a@x.nl", "b@x.nl", None)


@dataclass(frozen=True)
class Setup:
    id_fields: tuple[str, ...]
    auth_fields: tuple[str, ...]  # authentication i is linked to auth_fields[i]
    rules: tuple[tuple[str, ...], ...]
    seeds: tuple[tuple[str | None, tuple[tuple[str, str], ...]], ...]  # (email, ids)

    def document(self) -> dict[str, Any]:
        return {
            "accounts": [
                {
                    "name": "dedup",
                    "idFields": list(self.id_fields),
                    "dedupRules": [list(rule) for rule in self.rules],
                    "authentications": [
                        {"label": f"system{i}", "key": f"k{i}", "secret": "s", "idField": f}
                        for i, f in enumerate(self.auth_fields)
                    ],
                    "properties": [{"name": "email", "type": "email"}],
                    "contacts": [
                        {"ids": dict(ids), "properties": {"email": email} if email else {}}
                        for email, ids in self.seeds
                    ],
                }
            ]
        }


@dataclass(frozen=True)
class Upsert:
    system: int
    external_id: str
    email: str | None
    update: bool = True


@dataclass
class Person:
    email: str | None
    ids: dict[str, str] = field(default_factory=dict)


class Model:
    """The documented semantics, written as plainly as they read."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.people = [Person(email, dict(ids)) for email, ids in setup.seeds]

    def apply(self, call: Upsert) -> tuple[str, ...] | None:
        """Do the call; the rule that refused it (``update`` false and a match), else None."""
        caller_field = self.setup.auth_fields[call.system]
        sent = {"email": call.email, CALLER_ID: call.external_id, caller_field: call.external_id}
        found = None
        for rule in self.setup.rules:
            hits = [
                person
                for person in self.people
                if all(
                    sent.get(name) is not None
                    and self._value(person, name, caller_field) == sent[name]
                    for name in rule
                )
            ]
            if hits:
                found = (hits[0], rule)
                break
        if found is not None and not call.update:
            return found[1]
        person = found[0] if found is not None else Person(None)
        if found is None:
            self.people.append(person)
        if call.email is not None:
            person.email = call.email
        for other in self.people:
            if other.ids.get(caller_field) == call.external_id:
                del other.ids[caller_field]
        person.ids[caller_field] = call.external_id
        return None

    @staticmethod
    def _value(person: Person, name: str, caller_field: str) -> str | None:
        if name == "email":
            return person.email
        return person.ids.get(caller_field if name == CALLER_ID else name)


def stored_people(sim: Harness) -> list[Person]:
    """Every contact of the account, oldest first, with its e-mail address and ID values."""
    with sim.state.db.read() as conn:
        people = {
            contact_id: Person(email)
            for contact_id, email in conn.execute("SELECT id, email FROM contacts ORDER BY id")
        }
        for contact_id, name, value in conn.execute(
            "SELECT contact_id, field, value FROM contact_ids"
        ):
            people[contact_id].ids[name] = value
    return list(people.values())


def send(sim: Harness, setup: Setup, call: Upsert) -> SpotlerError | None:
    incoming: dict[str, Any] = {"externalId": call.external_id, "properties": {}}
    if call.email is not None:
        incoming["properties"]["email"] = call.email
    try:
        with sim.session(f"k{call.system}") as (repo, caller):
            contacts.upsert(repo, caller, incoming, update=call.update, purge=False, now_ms=1)
    except SpotlerError as refusal:
        return refusal
    return None


@st.composite
def setups(draw: st.DrawFn) -> Setup:
    id_fields = tuple(
        draw(st.lists(st.sampled_from(ID_FIELDS), min_size=1, max_size=3, unique=True))
    )
    auth_fields = tuple(draw(st.lists(st.sampled_from(id_fields), min_size=1, max_size=3)))
    rule = st.lists(
        st.sampled_from(("email", CALLER_ID, *id_fields)), min_size=1, max_size=3, unique=True
    ).map(tuple)
    rules = tuple(draw(st.lists(rule, min_size=1, max_size=4)))
    seeds = []
    taken: set[tuple[str, str]] = set()
    for _ in range(draw(st.integers(0, 3))):
        email = draw(st.sampled_from(EMAILS))
        ids = draw(st.dictionaries(st.sampled_from(id_fields), st.sampled_from(VALUES), min_size=1))
        ids = {name: value for name, value in ids.items() if (name, value) not in taken}
        if ids:  # a fixture contact has at least one ID, each value once per field
            taken.update(ids.items())
            seeds.append((email, tuple(sorted(ids.items()))))
    return Setup(id_fields, auth_fields, rules, tuple(seeds))


def calls(setup: Setup) -> st.SearchStrategy[list[Upsert]]:
    one = st.builds(
        Upsert,
        st.integers(0, len(setup.auth_fields) - 1),
        st.sampled_from(VALUES),
        st.sampled_from(EMAILS),
        st.booleans(),
    )
    return st.lists(one, min_size=1, max_size=8)


def run(setup: Setup, sequence: list[Upsert]) -> None:
    sim = Harness(setup.document())
    model = Model(setup)
    assert stored_people(sim) == model.people
    for step, call in enumerate(sequence):
        refused_by = model.apply(call)
        refusal = send(sim, setup, call)
        if refused_by is None:
            assert refusal is None, f"step {step}: {call} was refused: {refusal}"
        else:
            assert refusal is not None, f"step {step}: {call} should match by {refused_by}"
            assert refusal.error_type == "CONTACT_ALREADY_EXISTS"
            caller_field = setup.auth_fields[call.system]
            how = " and ".join(caller_field if f == CALLER_ID else f for f in refused_by)
            assert f"(matched on {how})" in refusal.message
        assert stored_people(sim) == model.people, f"after step {step}: {call}"


TWO_SYSTEMS = ("shopId", "crmId")

# A rule naming the other system's ID field never matches on the caller's own ID value: the
# CRM's contact with crmId 1 is not the webshop's customer 1.
OTHER_SYSTEMS_FIELD = Setup(TWO_SYSTEMS, TWO_SYSTEMS, (("crmId",),), ((None, (("crmId", "1"),)),))
# A two-field rule needs both fields: the same address with another ID is another person.
BOTH_FIELDS = Setup(TWO_SYSTEMS, TWO_SYSTEMS, (("email", CALLER_ID),), ())
# Two contacts share an address; the rule on e-mail takes the first of them.
FIRST_CONTACT = Setup(
    TWO_SYSTEMS,
    TWO_SYSTEMS,
    ((CALLER_ID,), ("email",)),
    (("a@x.nl", (("crmId", "1"),)), ("a@x.nl", (("crmId", "2"),))),
)
# The rules' order decides: the ID rule comes first, so the ID's contact is updated, not the
# contact holding the address.
RULE_ORDER = Setup(
    TWO_SYSTEMS,
    TWO_SYSTEMS,
    ((CALLER_ID,), ("email",)),
    (("a@x.nl", (("crmId", "7"),)), ("b@x.nl", (("shopId", "1"),))),
)


# A rule needing a value the call lacks is passed over, and the next rules are still tried: a
# call without an address reaches its contact by the ID rule after the e-mail rule.
SKIPPED_RULE = Setup(
    TWO_SYSTEMS, TWO_SYSTEMS, (("email",), (CALLER_ID,)), ((None, (("shopId", "1"),)),)
)

scenarios = setups().flatmap(lambda setup: st.tuples(st.just(setup), calls(setup)))


@settings(max_examples=scaled(150))
@given(scenarios)
@example((OTHER_SYSTEMS_FIELD, [Upsert(0, "1", None)]))
@example((BOTH_FIELDS, [Upsert(0, "1", "a@x.nl"), Upsert(0, "2", "a@x.nl")]))
@example((FIRST_CONTACT, [Upsert(0, "3", "a@x.nl")]))
@example((RULE_ORDER, [Upsert(0, "1", "a@x.nl")]))
@example((RULE_ORDER, [Upsert(1, "1", "b@x.nl", update=False)]))
@example((SKIPPED_RULE, [Upsert(0, "1", None)]))
def test_upserts_follow_the_documented_rules(scenario: tuple[Setup, list[Upsert]]) -> None:
    run(*scenario)


@pytest.mark.parametrize(
    ("setup", "sequence", "expected"),
    [
        pytest.param(
            OTHER_SYSTEMS_FIELD,
            [Upsert(0, "1", None)],
            [Person(None, {"crmId": "1"}), Person(None, {"shopId": "1"})],
            id="another-systems-field",
        ),
        pytest.param(
            BOTH_FIELDS,
            [Upsert(0, "1", "a@x.nl"), Upsert(0, "2", "a@x.nl")],
            [Person("a@x.nl", {"shopId": "1"}), Person("a@x.nl", {"shopId": "2"})],
            id="every-field-of-a-rule",
        ),
        pytest.param(
            FIRST_CONTACT,
            [Upsert(0, "3", "a@x.nl")],
            [Person("a@x.nl", {"crmId": "1", "shopId": "3"}), Person("a@x.nl", {"crmId": "2"})],
            id="first-contact",
        ),
        pytest.param(
            RULE_ORDER,
            [Upsert(0, "1", "a@x.nl")],
            [Person("a@x.nl", {"crmId": "7"}), Person("a@x.nl", {"shopId": "1"})],
            id="rule-order",
        ),
    ],
)
def test_the_model_itself_reads_the_documentation(
    setup: Setup, sequence: list[Upsert], expected: list[Person]
) -> None:
    """The reference model is checked by hand on the pinned cases, so it cannot drift along with
    a wrong implementation."""
    model = Model(setup)
    for call in sequence:
        model.apply(call)
    assert model.people == expected
