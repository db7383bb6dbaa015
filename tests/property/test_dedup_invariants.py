"""Dedup invariants across two source systems, for any sequence of upserts.

With one ID field per system, no upsert by one system ever changes which contact the other
system's IDs point to, and the writer always reads back what it wrote. With one shared field,
hypothesis finds a sequence where one system's upsert re-points the other system's ID.
"""

from __future__ import annotations

from hypothesis import find, given, settings
from hypothesis import strategies as st

from tests.plugins.hypothesis_profiles import scaled
from tests.property.harness import Harness, account_document

SYSTEMS = {"w": "externalCustomerId", "c": "crmCustomerId"}
operations = st.lists(
    st.tuples(
        st.sampled_from(["w", "c"]),
        st.sampled_from(["1", "2", "3"]),
        st.sampled_from(["a@x.nl", "b@x.nl", "c@x.nl", None]),
    ),
    min_size=1,
    max_size=15,
)


def _email_of(sim: Harness, contact_id: int) -> str | None:
    with sim.state.db.read() as conn:
        row = conn.execute("SELECT email FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    return row[0] if row else None


@given(operations)
def test_own_id_fields_keep_the_other_systems_ids_where_they_were(
    ops: list[tuple[str, str, str | None]],
) -> None:
    sim = Harness(account_document(shared_field=False))
    for step, (system, external_id, email) in enumerate(ops):
        other = SYSTEMS["c" if system == "w" else "w"]
        before = sim.id_map(other)
        props = {"email": email} if email else {}
        sim.upsert(system, external_id, 1_800_000_000_000 + step, **props)
        assert sim.id_map(other) == before
        mine = sim.id_map(SYSTEMS[system])
        assert external_id in mine
        if email:
            assert _email_of(sim, mine[external_id]) == email


def _disturbs_other_system(ops: list[tuple[str, str, str | None]]) -> bool:
    sim = Harness(account_document(shared_field=True))
    owner: dict[str, str] = {}  # id value -> the system that wrote it last
    for step, (system, external_id, email) in enumerate(ops):
        before = sim.id_map("externalCustomerId")
        props = {"email": email} if email else {}
        sim.upsert(system, external_id, 1_800_000_000_000 + step, **props)
        after = sim.id_map("externalCustomerId")
        for value, contact_id in before.items():
            if owner.get(value) not in (None, system) and after.get(value) != contact_id:
                return True
        hit = before.get(external_id)
        if (
            hit is not None
            and owner.get(external_id) not in (None, system)
            and after[external_id] == hit
        ):
            return True  # the other system's person was overwritten with this system's data
        owner[external_id] = system
    return False


def test_a_shared_id_field_lets_one_system_disturb_the_other() -> None:
    found = find(
        operations,
        _disturbs_other_system,
        settings=settings(max_examples=scaled(300), database=None),
    )
    assert {system for system, _, _ in found} == {"w", "c"}
