"""Every query the API runs on a hot path is answered from an index, never a table scan.

This is what keeps an updates page as cheap at a million contacts as at a thousand;
``bench/updates_page.py`` measures it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator.domain.campaigns import (
    Automation,
    Campaign,
    CampaignSeed,
    Mailing,
    Subscription,
    Trigger,
)
from simulator.domain.forms import Form, FormField, FormResult, ResultFilter
from simulator.domain.products import StoredProduct, Term, terms
from simulator.store import Database
from simulator.store.campaigns import SqliteCampaigns
from simulator.store.contacts import SqliteContacts
from simulator.store.forms import SqliteForms
from simulator.store.orders import SqliteOrders
from simulator.store.products import SqliteProducts

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
    "account reset of product terms": "DELETE FROM product_terms WHERE account_id = 1",
    "account reset of orders": "DELETE FROM orders WHERE account_id = 1",
    "account reset of conversions": "DELETE FROM conversions WHERE account_id = 1",
    **{
        f"account reset of {table}": f"DELETE FROM {table} WHERE account_id = 1"
        for table in (
            "campaigns",
            "campaign_triggers",
            "campaign_mailings",
            "campaign_subscriptions",
            "automations",
            "automation_entries",
            "forms",
            "form_fields",
            "form_results",
        )
    },
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.read() as conn:
        plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + QUERIES[name]))
    steps = plan.split(" | ")
    assert all("INDEX" in step or "PRIMARY KEY" in step for step in steps), plan
    assert "USE TEMP B-TREE" not in plan, plan


def _plan(conn: sqlite3.Connection, sql: str) -> str:
    return " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))


def _assert_indexed(plan: str) -> None:
    assert all("INDEX" in step or "PRIMARY KEY" in step for step in plan.split(" | ")), plan
    assert "USE TEMP B-TREE" not in plan, plan


# The statements the repositories really run (captured as SQLite runs them, values inlined).
REPO_CALLS: dict[str, Callable[[sqlite3.Connection], object]] = {
    "product search": lambda c: SqliteProducts(c, 1).matching(
        Term("customProperties.color", "red"), 10, 11
    ),
    "product by external id": lambda c: SqliteProducts(c, 1).load("P-1"),
    "products an order names": lambda c: SqliteProducts(c, 1).missing(["P-1", "P-2"]),
    "order by external id": lambda c: SqliteOrders(c, 1).load("O-1"),
    "contact by encrypted id": lambda c: SqliteContacts(c, 1).by_encrypted_id("abc"),
}


@pytest.mark.parametrize("name", sorted(REPO_CALLS))
def test_repository_lookup_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        conn.execute("INSERT INTO accounts (id, name, id_fields, dedup_rules, lag) "
                     "VALUES (1, 'a', '[]', '[]', '{}')")  # fmt: skip
        repo = SqliteProducts(conn, 1)
        for n in range(50):  # a catalogue, so the planner has rows to weigh
            color = "red" if n % 2 else "blue"
            product = StoredProduct(f"P-{n}", {"customProperties": {"color": color}}, 0, 0)
            repo.save(product, terms(product))
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        REPO_CALLS[name](conn)
        conn.set_trace_callback(None)
        queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert queries, statements
        for sql in queries:
            _assert_indexed(_plan(conn, sql))
        if name == "product search":  # and it finds what the index holds
            assert (
                len(SqliteProducts(conn, 1).matching(Term("customProperties.color", "red"), 0, 99))
                == 25
            )


CODE = "bc0a8795-4f1e-4a6b-8d2c-7e3f9a5b1c20"
# What the campaign and automation operations run: each call, with every statement it makes.
CAMPAIGN_CALLS: dict[str, Callable[[SqliteCampaigns], object]] = {
    "campaign list": lambda r: r.campaigns(),
    "triggers of the list": lambda r: r.triggers(),
    "campaign by encrypted id": lambda r: r.campaign("C-7"),
    "campaign of a trigger": lambda r: r.campaign_by_id(7),
    "trigger by encrypted id": lambda r: r.trigger("T-7"),
    "mailings of a campaign": lambda r: r.mailings(7),
    "encrypted ids in use": lambda r: r.encrypted_ids(),
    "new campaign": lambda r: r.add_campaign(CampaignSeed(Campaign("C-new", "n", True))),
    "contact's latest subscription": lambda r: r.latest_subscription(7, 3),
    "subscription by number": lambda r: r.has_subscription(9),
    "new subscription": lambda r: r.save_subscription(Subscription(7, 3, None, [], 5)),
    "campaign-mailing history page": lambda r: r.sent(3, 10**12, 10, 51),
    "automations of a trigger code": lambda r: r.automations(CODE),
    "automation by id": lambda r: r.has_automation(CODE),
    "new automation": lambda r: r.add_automation(Automation("a-new", CODE, "n")),
    "contact's automation entries": lambda r: r.entries(3, 3),
    "snapshot of campaigns": lambda r: r.every_campaign(),
    "snapshot of automations": lambda r: r.every_automation(),
}


@pytest.mark.parametrize("name", sorted(CAMPAIGN_CALLS))
def test_campaign_query_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        conn.execute("INSERT INTO accounts (id, name, id_fields, dedup_rules, lag) "
                     "VALUES (1, 'a', '[]', '[]', '{}')")  # fmt: skip
        contacts = SqliteContacts(conn, 1)
        people = [contacts.create(0).id for _ in range(20)]
        repo = SqliteCampaigns(conn, 1)
        for n in range(20):  # campaigns, passages and entries, so the planner has rows to weigh
            mailings = [Mailing(f"M-{n}-{m}", "m", "EMAIL", m * 1000) for m in range(3)]
            seed = CampaignSeed(Campaign(f"C-{n}", "c", True), [Trigger(f"T-{n}", "t")], mailings)
            campaign_id = repo.add_campaign(seed)
            automation = repo.add_automation(Automation(f"A-{n}", f"code-{n % 4}", "a"))
            for person in people:
                repo.save_subscription(Subscription(campaign_id, person, None, [], n))
                repo.add_entry(automation, person, n)
        conn.execute("ANALYZE")
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        CAMPAIGN_CALLS[name](repo)
        conn.set_trace_callback(None)
        queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert queries, statements
        for sql in queries:
            _assert_indexed(_plan(conn, sql))


# What the form operations run: each call, with every statement it makes.
FORM_CALLS: dict[str, Callable[[SqliteForms], object]] = {
    "form list": lambda r: r.forms(None, None),
    "form list of one subtype and state": lambda r: r.forms("subscribe", "final"),
    "form by formId": lambda r: r.form(107),
    "form of a result": lambda r: r.form_by_row(7),
    "new form": lambda r: r.add_form(Form(999, "n", fields=(FormField(1, "email", "E"),))),
    "result by number": lambda r: r.has_result(9),
    "result of a form": lambda r: r.result(7, 9),
    "new result": lambda r: r.save_result(FormResult(7, 5, {"email": ["a@b.nl"]})),
    "results of a form": lambda r: r.results(7, ResultFilter(True, 1, 10**12)),
    "contact's form history page": lambda r: r.history(3, 10, 51),
    "snapshot of forms": lambda r: r.every_form(),
}


@pytest.mark.parametrize("name", sorted(FORM_CALLS))
def test_form_query_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        conn.execute("INSERT INTO accounts (id, name, id_fields, dedup_rules, lag) "
                     "VALUES (1, 'a', '[]', '[]', '{}')")  # fmt: skip
        contacts = SqliteContacts(conn, 1)
        people = [contacts.create(0).id for _ in range(20)]
        repo = SqliteForms(conn, 1)
        for n in range(20):  # forms with fields and results, so the planner has rows to weigh
            fields = tuple(FormField(f, f"f{f}", "l") for f in range(1, 4))
            row = repo.add_form(
                Form(100 + n, "f", "subscribe" if n % 2 else "normal", fields=fields)
            )
            for person in people:
                repo.save_result(FormResult(row, n, {"f1": ["x"]}, contact_id=person))
        conn.execute("ANALYZE")
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        FORM_CALLS[name](repo)
        conn.set_trace_callback(None)
        queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert queries, statements
        for sql in queries:
            _assert_indexed(_plan(conn, sql))
