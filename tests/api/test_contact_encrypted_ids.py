"""A contact's encryptedId over HTTP, signed like a real client: the one the simulator made (of
the contact's row), one a seed gave, one a snapshot put back, each names its contact (an mpid of
a mailing link attributes a conversion to it; an ``encId`` prefills a form); any other text
names no one, with the answer an unknown one always had."""

from __future__ import annotations

from typing import Any

import pytest

from spotler_sim.domain.conversions import mailplus_id
from spotler_sim.store.encrypted_ids import encode
from tests.plugins.simulator import Sim

SIGNUP = 3101  # a form whose email field fills the contact's e-mail
ANNA = "anna.devries@example.com"  # contact 1001 (webshop)


def encrypted_id(sim: Sim, external_id: str) -> str:
    found: str = sim.get(f"/contact/{external_id}")["encryptedId"]
    return found


def attributed(sim: Sim, encrypted: str) -> tuple[int, dict[str, Any]]:
    """A conversion from a link of mailing demo-mailing-1 sent to the contact ``encrypted``
    names: the status, and what the answer says (an empty dict for 204)."""
    body = {
        "mailplusId": mailplus_id("demo-mailing-1", encrypted),
        "type": "CREATE_SHOPPINGCART",
        "interactionDate": "2026-11-02T14:00:00+01:00",
    }
    with sim.client() as api:
        response = api.post("/conversion", json=body)
    return response.status_code, response.json() if response.content else {}


def attributed_to(sim: Sim) -> list[object]:
    """The externalCustomerId of the contact each stored conversion went to."""
    rows = sim.table(
        "SELECT i.value FROM conversions c JOIN contact_ids i "
        "ON i.contact_id = c.contact_id AND i.field = 'externalCustomerId' ORDER BY c.id"
    )
    return [value for (value,) in rows]


def seed(sim: Sim, *contacts: dict[str, Any]) -> None:
    with sim.admin() as admin:
        response = admin.post("/accounts/demo/contacts", json=list(contacts))
    assert response.status_code == 204, response.text


def demo_account(sim: Sim) -> tuple[int, int]:
    """The demo account's id, and the row the next contact gets."""
    [(account, last)] = sim.table(
        "SELECT (SELECT id FROM accounts WHERE name = 'demo'), (SELECT max(id) FROM contacts)"
    )
    assert isinstance(account, int) and isinstance(last, int)
    return account, last + 1


def test_the_encrypted_id_made_for_a_contact_names_it(sim: Sim) -> None:
    account, row = demo_account(sim)
    with sim.client() as api:
        created = api.post("/contact", json={"contact": {"externalId": "NEW-1"}})
    assert created.status_code == 204, created.text
    made = encrypted_id(sim, "NEW-1")
    assert made == encode(account, row)  # 24 lowercase hex characters, as before
    assert attributed(sim, made) == (204, {})
    assert attributed(sim, encrypted_id(sim, "1001")) == (204, {})
    assert attributed_to(sim) == ["NEW-1", "1001"]


def test_an_encrypted_id_a_seed_gives_names_its_contact(sim: Sim) -> None:
    seed(
        sim,
        {"ids": {"externalCustomerId": "G-1"}, "encryptedId": "given-by-a-seed"},
        {"ids": {"externalCustomerId": "G-2"}, "encryptedId": "A" * 24},  # looks made; is not
    )
    assert encrypted_id(sim, "G-1") == "given-by-a-seed"
    assert attributed(sim, "given-by-a-seed") == (204, {})
    assert attributed(sim, "A" * 24) == (204, {})
    assert attributed_to(sim) == ["G-1", "G-2"]


def test_a_seed_may_not_give_the_encrypted_id_made_for_another_contact(sim: Sim) -> None:
    anna = encrypted_id(sim, "1001")
    with sim.admin() as admin:
        refused = admin.post(
            "/accounts/demo/contacts",
            json=[{"ids": {"externalCustomerId": "G-1"}, "encryptedId": anna}],
        )
    assert refused.status_code == 400 and refused.json()["errorType"] == "INVALID_PARAMS"
    assert "an encryptedId is unique in the account" in refused.json()["message"]
    assert attributed(sim, anna) == (204, {})
    assert attributed_to(sim) == ["1001"]


def test_a_new_contact_whose_made_id_was_given_gets_another(sim: Sim) -> None:
    """A snapshot of another simulator may hold the id this one makes for a row not written
    yet: the contact that gets the row gets a spare id, and each id names its own contact."""
    account, row = demo_account(sim)
    taken = encode(account, row + 1)  # the seeded contact takes ``row``; the next one, row + 1
    seed(sim, {"ids": {"externalCustomerId": "G-1"}, "encryptedId": taken})
    with sim.client() as api:
        created = api.post("/contact", json={"contact": {"externalId": "NEW-1"}})
    assert created.status_code == 204, created.text
    spare = encrypted_id(sim, "NEW-1")
    assert spare != taken and len(spare) == 24
    assert attributed(sim, taken) == (204, {})
    assert attributed(sim, spare) == (204, {})
    assert attributed_to(sim) == ["G-1", "NEW-1"]


def test_encrypted_ids_a_snapshot_puts_back_name_their_contacts(sim: Sim) -> None:
    """A snapshot loaded replaces the account with a new one (another id): every contact keeps
    its encryptedId, as given now, and new contacts get ones made for the new account."""
    before = sim.snapshot()
    anna = encrypted_id(sim, "1001")
    with sim.admin() as admin:
        loaded = admin.post("/snapshot", json={"accounts": [before]})
    assert loaded.status_code == 204, loaded.text
    assert encrypted_id(sim, "1001") == anna
    assert attributed(sim, anna) == (204, {})
    with sim.client() as api:
        assert api.post("/contact", json={"contact": {"externalId": "NEW-1"}}).status_code == 204
    assert attributed(sim, encrypted_id(sim, "NEW-1")) == (204, {})
    assert attributed_to(sim) == ["1001", "NEW-1"]


def garbage(made: str) -> list[str]:
    """Texts near an encryptedId that are not one of the account's."""
    return [
        made.upper(),
        made[:-1],
        made + "0",
        " " + made,
        made + "\n",
        "0x" + made[2:],
        made[:-1] + "g",
        "٣" * 24,  # digits, not ASCII ones
        "0" * 24,
        "f" * 24,
        "no-such-contact",
        "x" * 10_000,  # (a longer one does not fit the form call's URL)
    ]


@pytest.mark.parametrize("index", range(len(garbage("0" * 24))))
def test_any_other_text_names_no_contact(sim: Sim, index: int) -> None:
    text = garbage(encrypted_id(sim, "1001"))[index]
    status, answer = attributed(sim, text)
    assert (status, answer.get("errorType")) == (400, "CONTACT_NOT_FOUND")
    assert answer["message"].startswith(f"the mailplusId names contact {text!r}, which")
    with sim.client() as api:
        form = api.get(f"/form/{SIGNUP}", params={"postUrl": "https://x.example", "encId": text})
    assert form.status_code == 200 and ANNA not in form.json()["html"]  # nothing prefilled


def test_an_id_made_for_a_row_of_another_account_names_no_one_here(sim: Sim) -> None:
    account, _ = demo_account(sim)
    [(row,)] = sim.table(
        "SELECT min(id) FROM contacts WHERE account_id <> "
        "(SELECT id FROM accounts WHERE name = 'demo')"
    )
    assert isinstance(row, int)
    status, answer = attributed(sim, encode(account, row))
    assert (status, answer.get("errorType")) == (400, "CONTACT_NOT_FOUND")
    with sim.client() as api:
        form = api.get(
            f"/form/{SIGNUP}",
            params={"postUrl": "https://x.example", "encId": encrypted_id(sim, "1001")},
        )
    assert ANNA in form.json()["html"]  # the form does prefill from an id it finds
