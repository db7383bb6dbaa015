"""The ``sim`` fixture shares one app and one database across the session: no test sees what
another left behind (fault rules and their counters, the clock, accounts, contacts, the journal,
nonces, even a dropped table)."""

from __future__ import annotations

from spotler_sim.store.retired import BATCH
from tests.plugins.simulator import Pristine, Sim

FAULT = {
    "match": {"path": "/contact/{externalId}"},
    "effect": {"type": "status", "status": 500},
    "after": 1,
}
ACCOUNT = {"name": "left-behind", "authentications": [{"label": "shop"}]}
GONE = {"name": "gone", "authentications": [{"label": "shop"}]}
# More contacts than one sweep batch: resetting the account leaves a thread sweeping the rest.
MANY = [{"ids": {"externalCustomerId": f"many-{n}"}, "properties": {}} for n in range(BATCH + 100)]
CONTACT = {"update": True, "contact": {"externalId": "left-1", "properties": {"city": "Delft"}}}


def leave_everything_behind(sim: Sim) -> None:
    with sim.client() as api:
        assert api.post("/contact", json=CONTACT).status_code == 204  # a nonce and a journal entry
    with sim.admin() as admin:
        assert admin.post("/faults", json=FAULT).status_code == 201
        assert admin.put("/clock", json={"frozenAt": "2031-01-01T00:00:00Z"}).status_code == 200
        assert admin.post("/accounts", json=ACCOUNT).status_code == 201
        assert admin.post("/accounts/left-behind/contacts", json=MANY).status_code == 204
        assert admin.post("/accounts/left-behind/reset").status_code == 204
        assert admin.post("/accounts", json=GONE).status_code == 201
        assert admin.post("/accounts/gone/contacts", json=MANY).status_code == 204
        assert admin.delete("/accounts/gone").status_code == 204  # its sweep can be lost
        assert admin.post("/accounts/demo/contacts", json=MANY).status_code == 204
        assert admin.post("/accounts/demo/reset").status_code == 204
        assert admin.patch("/accounts/demo", json={"listShape": "array"}).status_code == 200
    with sim.client() as api:
        assert api.get("/contact/1001").status_code == 404  # the fault's "after" counts it
    with sim.state.db.write() as conn:
        conn.execute("DROP TABLE contact_ids")


def test_a_reset_puts_back_every_table_and_the_schema(sim: Sim, pristine: Pristine) -> None:
    before = pristine.dump()
    leave_everything_behind(sim)
    assert pristine.dump() != before
    pristine.reset()
    assert pristine.dump() == before == pristine.pristine_dump()


def test_a_test_that_leaves_everything_behind(sim: Sim) -> None:
    leave_everything_behind(sim)


def test_the_next_test_finds_none_of_it(sim: Sim, pristine: Pristine) -> None:
    """Runs after the one above (pytest keeps file order) and finds the demo fixture untouched."""
    assert pristine.dump() == pristine.pristine_dump()
    with sim.admin() as admin:
        assert admin.get("/faults").json() == []
        assert admin.get("/clock").json()["mode"] == "real"
        assert "left-behind" not in {a["name"] for a in admin.get("/accounts").json()}
        assert admin.get("/requests").json()["requests"] == []
    with sim.client() as api:
        assert api.get("/contact/1001").status_code == 200  # no fault fires
        assert api.get("/contact/left-1").status_code == 404
