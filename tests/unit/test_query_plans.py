"""Every query the API runs on a hot path is answered from an index, never a table scan.

This is what keeps an updates page as cheap at a million contacts as at a thousand;
``bench/updates_page.py`` measures it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from spotler_sim.domain import contacts
from spotler_sim.domain.audiences import StoredAudience
from spotler_sim.domain.campaigns import (
    Automation,
    Campaign,
    CampaignSeed,
    Mailing,
    Subscription,
    Trigger,
)
from spotler_sim.domain.contacts import StoredContact
from spotler_sim.domain.forms import Form, FormField, FormResult, ResultFilter
from spotler_sim.domain.journal import JournalLimit
from spotler_sim.domain.mailings import Interaction, Link, TrendReport
from spotler_sim.domain.mailings import Mailing as Content
from spotler_sim.domain.model import Caller
from spotler_sim.domain.products import StoredProduct, Term, terms
from spotler_sim.domain.reports import Span
from spotler_sim.domain.templists import TemporaryList
from spotler_sim.fixtures.load import load_fixture
from spotler_sim.state import State
from spotler_sim.store import Database, journal
from spotler_sim.store.accounts import caller_for_key, use_nonce
from spotler_sim.store.audiences import SqliteAudiences
from spotler_sim.store.campaigns import SqliteCampaigns
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.encrypted_ids import encode
from spotler_sim.store.forms import SqliteForms
from spotler_sim.store.mailings import SqliteMailings
from spotler_sim.store.orders import SqliteOrders
from spotler_sim.store.products import SqliteProducts
from spotler_sim.store.templists import SqliteTemporaryLists
from tests.journal_rows import stored
from tests.property.harness import VmSteps, account_document, bulk_contacts

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
    "journal calls of one fault rule": "SELECT * FROM journal WHERE fault_id = 3 ORDER BY id DESC",
    "journal page of an account": "SELECT * FROM journal WHERE account = 'a' ORDER BY id DESC "
    "LIMIT 50",
    "journal count of an account": "SELECT count(*) FROM journal WHERE account = 'a'",
    "journal count of faulted calls": "SELECT count(*) FROM journal WHERE fault_id IS NOT NULL",
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
            "audiences",
            "audience_members",
            "temporary_lists",
            "temporary_list_members",
            "interactions",
            "interaction_tallies",
            "mailings",
            "trend_reports",
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


# The steps of a plan that say how its parts are joined, not how a part reads its rows.
COMPOUND_STEPS = ("COMPOUND QUERY", "LEFT-MOST SUBQUERY", "UNION ALL")


def _assert_indexed(plan: str) -> None:
    steps = [step for step in plan.split(" | ") if step not in COMPOUND_STEPS]
    assert all("INDEX" in step or "PRIMARY KEY" in step for step in steps), plan
    assert "USE TEMP B-TREE" not in plan, plan


def _account_with_contacts(conn: sqlite3.Connection, count: int = 20) -> list[int]:
    """Account 1 with ``count`` contacts, each with an ID ``v<id>`` in field ``f``."""
    conn.execute(
        "INSERT INTO accounts (id, name, id_fields, dedup_rules, lag) "
        "VALUES (1, 'a', '[]', '[]', '{}')"
    )
    contacts = SqliteContacts(conn, 1)
    people = []
    for _ in range(count):
        person = StoredContact.unsaved(0)
        contacts.insert(person, None)
        contacts.set_external_id(person.id, "f", f"v{person.id}")
        people.append(person.id)
    return people


# The statements the repositories really run (captured as SQLite runs them, values inlined).
REPO_CALLS: dict[str, Callable[[sqlite3.Connection], object]] = {
    "product search": lambda c: SqliteProducts(c, 1).matching(
        Term("customProperties.color", "red"), 10, 11
    ),
    "product by external id": lambda c: SqliteProducts(c, 1).load("P-1"),
    "products an order names": lambda c: SqliteProducts(c, 1).missing(["P-1", "P-2"]),
    "order by external id": lambda c: SqliteOrders(c, 1).load("O-1"),
    "contact by encrypted id": lambda c: SqliteContacts(c, 1).by_encrypted_id("abc"),
    "contact read by external id": lambda c: SqliteContacts(c, 1).load_by_external_id("f", "v1"),
    "contact by made encrypted id": lambda c: SqliteContacts(c, 1).by_encrypted_id(encode(1, 5)),
    "encrypted ids taken": lambda c: SqliteContacts(c, 1).taken_encrypted_ids(
        [encode(1, 5), "given"]
    ),
}


@pytest.mark.parametrize("name", sorted(REPO_CALLS))
def test_repository_lookup_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        _account_with_contacts(conn, 0)
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
        people = _account_with_contacts(conn)
        repo = SqliteCampaigns(conn, 1)
        for n in range(20):  # campaigns, passages and entries, so the planner has rows to weigh
            mailings = [Mailing(f"M-{n}-{m}", "m", "EMAIL", m * 1000) for m in range(3)]
            seed = CampaignSeed(Campaign(f"C-{n}", "c", True), [Trigger(f"T-{n}", "t")], mailings)
            campaign_id = repo.add_campaign(seed)
            automation = repo.add_automation(Automation(f"A-{n}", f"code-{n % 4}", "a"))
            for person in people:
                repo.save_subscription(Subscription(campaign_id, person, None, [], n))
                repo.add_entry(automation, person, n)
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
        people = _account_with_contacts(conn)
        repo = SqliteForms(conn, 1)
        for n in range(20):  # forms with fields and results, so the planner has rows to weigh
            fields = tuple(FormField(f, f"f{f}", "l") for f in range(1, 4))
            row = repo.add_form(
                Form(100 + n, "f", "subscribe" if n % 2 else "normal", fields=fields)
            )
            for person in people:
                repo.save_result(FormResult(row, n, {"f1": ["x"]}, contact_id=person))
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        FORM_CALLS[name](repo)
        conn.set_trace_callback(None)
        queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert queries, statements
        for sql in queries:
            _assert_indexed(_plan(conn, sql))


# What the audience and temporary-list operations run: each call, with every statement it makes.
GROUP_CALLS: dict[str, Callable[[sqlite3.Connection], object]] = {
    "contacts a call names": lambda c: SqliteContacts(c, 1).by_external_ids("f", ["v1", "v2"]),
    "audience by externalId": lambda c: SqliteAudiences(c, 1).load("A-7"),
    "audience name in use": lambda c: SqliteAudiences(c, 1).name_taken("a-7"),
    "audience count": lambda c: SqliteAudiences(c, 1).count(),
    "new audience": lambda c: SqliteAudiences(c, 1).save(StoredAudience("A-n", "n", None, 0, 0)),
    "audience removed": lambda c: SqliteAudiences(c, 1).remove(7),
    "members added": lambda c: SqliteAudiences(c, 1).add_members(7, [1, 2]),
    "members removed": lambda c: SqliteAudiences(c, 1).remove_members(7, [1, 2]),
    "every member removed": lambda c: SqliteAudiences(c, 1).remove_members(7, None),
    "snapshot of audiences": lambda c: SqliteAudiences(c, 1).every(),
    "snapshot of an audience's members": lambda c: SqliteAudiences(c, 1).members(7),
    "temporary list by externalId": lambda c: SqliteTemporaryLists(c, 1).load("T-7"),
    "temporary list name in use": lambda c: SqliteTemporaryLists(c, 1).name_taken("t-7"),
    "temporary list count": lambda c: SqliteTemporaryLists(c, 1).count(),
    "temporary list listing": lambda c: SqliteTemporaryLists(c, 1).every(),
    "temporary list removed": lambda c: SqliteTemporaryLists(c, 1).remove(7),
    "snapshot of a temporary list's members": lambda c: SqliteTemporaryLists(c, 1).members(7),
}


@pytest.mark.parametrize("name", sorted(GROUP_CALLS))
def test_audience_and_temporary_list_query_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        people = _account_with_contacts(conn)
        audiences, lists = SqliteAudiences(conn, 1), SqliteTemporaryLists(conn, 1)
        for n in range(20):  # audiences and lists with members, so the planner has rows to weigh
            audience = StoredAudience(f"A-{n}", f"a-{n}", None, 0, 0)
            audiences.save(audience)
            audiences.add_members(audience.id, people)
            temporary_list = TemporaryList(f"T-{n}", f"t-{n}", "API", 0)
            lists.add(temporary_list)
            lists.add_members(temporary_list.id, people)
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        GROUP_CALLS[name](conn)
        conn.set_trace_callback(None)
        queries = [
            s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))
        ]
        for sql in queries:
            _assert_indexed(_plan(conn, sql))


# What the mailing reports, the send action and campaign passages run: each call, with every
# statement it makes (the deletes of a stopped passage too).
def _span(to_ms: int = 10**12) -> Span:
    return Span(0, to_ms)


SENT = Interaction("M-3", 3, "sent", 5, 0, id=1)
MAILING_CALLS: dict[str, Callable[[SqliteMailings], object]] = {
    "mailing by encrypted id": lambda r: r.mailing("M-3"),
    "mailings of a window": lambda r: r.scheduled_between(1, 10**12),
    "snapshot of mailings": lambda r: r.every_mailing(False),
    "mailings of trend reports": lambda r: r.of_trend_reports([1, 2]),
    "new trend report": lambda r: r.add_trend_report(TrendReport(99, "t")),
    "trend report by id": lambda r: r.has_trend_report(1),
    "trend report page": lambda r: r.trend_reports(None, 10, 51),
    "enabled trend reports": lambda r: r.trend_reports(True, 0, 51),
    "mailings of a trend report": lambda r: r.mailing_count(1),
    "who got a mailing already": lambda r: r.received("M-3", [1, 2, 3]),
    "a stopped passage taken back": lambda r: r.remove_sends(7, ["C-1", "C-2"]),
    "contact of a subscription": lambda r: r.subscription_contact(7, "C-1"),
    "report page": lambda r: r.page("M-3", "open", _span(), 10, 51),
    "statistics tally": lambda r: r.tally("M-3", 10**12),
    "one contact's opens": lambda r: r.of_contact("M-3", 0, 3, "open", _span(), 0, 51),
    "one subscription's clicks": lambda r: r.of_contact("C-1", 7, 3, "click", _span(), 0, 51),
    "snapshot of sends": lambda r: r.sends("M-3"),
    "snapshot of a send": lambda r: r.of_send("M-3", 0, 3),
    "outcome of a send": lambda r: r.outcome_of(SENT, 10**12),
    "mailing history page": lambda r: r.history(3, 10**12, 10, 51),
    "mailing-interaction page": lambda r: r.account_page("open", _span(), None, 10, 51),
    "mailing-interaction page of trend reports": lambda r: r.account_page(
        "sent", _span(), ["M-1", "M-2"], 0, 51
    ),
    "conversions of a mailing": lambda r: r.conversions("M-3", 10**12),
    "contact identifiers": lambda r: r.identifiers([1, 2, 3], "f"),
    "campaign-mailing history with outcomes": lambda r: SqliteCampaigns(r.conn, 1).sent(
        3, 10**12, 0, 51
    ),
}


@pytest.mark.parametrize("name", sorted(MAILING_CALLS))
def test_mailing_query_uses_an_index(tmp_path: Path, name: str) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        people = _account_with_contacts(conn)
        campaigns = SqliteCampaigns(conn, 1)
        cm = [Mailing(f"C-{m}", "c", "EMAIL", m * 1000) for m in range(3)]
        campaign_id = campaigns.add_campaign(CampaignSeed(Campaign("K-1", "k", True), [], cm))
        repo = SqliteMailings(conn, 1)
        for n in range(3):
            repo.add_trend_report(TrendReport(n + 1, f"t{n}"))
        links = (Link(1, "l", "https://x.example"),)
        rows = []
        for n in range(20):  # mailings sent to everyone, so the planner has rows to weigh
            repo.add_mailing(Content(f"M-{n}", "m", scheduled_ms=n, trend_report=n % 3 + 1))
            for person in people:
                rows += [
                    Interaction(f"M-{n}", person, "sent", n),
                    Interaction(f"M-{n}", person, "open", n + 5),
                    Interaction(f"M-{n}", person, "click", n + 6, link_id=1),
                ]
        for person in people:
            sub = Subscription(campaign_id, person, None, [], 0)
            campaigns.save_subscription(sub)
            rows += [Interaction(m.encrypted_id, person, "sent", 0, sub.number) for m in cm]
            rows += [Interaction("C-1", person, "bounce", 9, sub.number, bounce="SOFTBOUNCE")]
        repo.add(rows)
        repo.add_mailing(Content("C-1", "c", campaign=True, links=links))
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        MAILING_CALLS[name](repo)
        conn.set_trace_callback(None)
        queries = [
            s for s in statements if s.lstrip().upper().startswith(("SELECT", "DELETE", "UPDATE"))
        ]
        assert queries, statements
        for sql in queries:
            _assert_indexed(_plan(conn, sql))


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda conn: SqliteContacts(conn, 1).encrypted_ids([3, 5]), id="encrypted ids"
        ),
        pytest.param(
            lambda conn: SqliteMailings(conn, 1).identifiers([3, 5], "f"), id="report identifiers"
        ),
    ],
)
def test_contacts_named_by_id_are_looked_up_by_key(
    tmp_path: Path, call: Callable[..., object]
) -> None:
    """An index on account_id also "uses an index", but reads every contact of the account: a
    report page over 100,000 recipients paid for that on each call (found by make bench)."""
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        _account_with_contacts(conn, 200)
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        call(conn)
        conn.set_trace_callback(None)
        [lookup] = [s for s in statements if "FROM contacts" in s]
        assert "INTEGER PRIMARY KEY" in _plan(conn, lookup), _plan(conn, lookup)
    db.close()


# ---- the write path ---------------------------------------------------------------------------
# What a contact write runs, as the API runs it: each call through the domain, every statement.
def _write_account(path: Path, count: int) -> State:
    """Account "prop" (id 1) with ``count`` contacts holding ``c<n>@x.nl`` and ID ``<n>``."""
    state = State(Database(str(path)))
    load_fixture(state, account_document(shared_field=False))
    with state.db.write() as conn:
        bulk_contacts(conn, 1, range(1, count + 1))
    return state


def _upsert(external_id: str, email: str) -> Callable[[SqliteContacts, Caller], object]:
    incoming = {"externalId": external_id, "properties": {"email": email}}
    return lambda repo, caller: contacts.upsert(
        repo, caller, incoming, update=True, purge=False, now_ms=5
    )


WRITE_CALLS: dict[str, Callable[[SqliteContacts, Caller], object]] = {
    "new contact": _upsert("new", "new@x.nl"),
    "contact matched by e-mail": _upsert("7", "c7@x.nl"),
    "ID moved to another contact": _upsert("7", "c8@x.nl"),
    "contact changed": lambda repo, caller: contacts.update(
        repo, caller, "7", {"contact": {"externalId": "7", "properties": {"n": 3}}}, 5
    ),
    "contact anonymized": lambda repo, caller: contacts.anonymize(repo, caller, "7", 5),
    "batch of contacts": lambda repo, caller: contacts.insert_batch(
        repo, caller, {"contacts": [{"externalId": "b1"}, {"externalId": "9"}]}, 5
    ),
    "nonce recorded": lambda repo, _: use_nonce(repo.conn, "w", 10, "n", 5),
}


# The next contact's id: max() of the rowid, read from the end of the key. Its plan says
# "SEARCH contacts" as max() of any column does, so the step count below is what shows its cost.
LAST_CONTACT_ID = "SELECT coalesce(max(id), 0) FROM contacts"


def _run_write(state: State, call: Callable[[SqliteContacts, Caller], object]) -> list[str]:
    statements: list[str] = []
    with state.db.write() as conn:
        caller = caller_for_key(conn, "w")
        assert caller is not None
        conn.set_trace_callback(statements.append)
        call(SqliteContacts(conn, caller.account.id), caller)
        conn.set_trace_callback(None)
    return statements


@pytest.mark.parametrize("name", sorted(WRITE_CALLS))
def test_write_uses_an_index(tmp_path: Path, name: str) -> None:
    state = _write_account(tmp_path / "write.db", 50)
    statements = _run_write(state, WRITE_CALLS[name])
    queries = [
        s
        for s in statements
        if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")) and s != LAST_CONTACT_ID
    ]
    assert queries, statements
    with state.db.read() as conn:
        for sql in queries:
            _assert_indexed(_plan(conn, sql))


def _steps(state: State, call: Callable[[SqliteContacts, Caller], object]) -> int:
    with state.db.write() as conn:
        caller = caller_for_key(conn, "w")
        assert caller is not None
        with VmSteps(conn) as steps:
            call(SqliteContacts(conn, caller.account.id), caller)
    return steps.count


@pytest.mark.parametrize("name", sorted(WRITE_CALLS))
def test_write_costs_the_same_in_a_large_account(tmp_path: Path, name: str) -> None:
    """A write visits the rows it changes, not the account: at 3,000 contacts it runs about the
    instructions it runs at 30 (the ``OR`` delete of an external ID read every contact)."""
    small = _steps(_write_account(tmp_path / "small.db", 30), WRITE_CALLS[name])
    large = _steps(_write_account(tmp_path / "large.db", 3_000), WRITE_CALLS[name])
    assert large <= small * 1.2, (small, large)


def _journal_statements(conn: sqlite3.Connection, filters: dict[str, object]) -> list[str]:
    """The SELECTs a journal page and its count run with ``filters`` (values inlined)."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    journal.entries(conn, filters, 0, 50)
    journal.count(conn, filters)
    conn.set_trace_callback(None)
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


@pytest.mark.parametrize("status", [404, "503"])  # the admin API's integer, the dashboard's text
def test_journal_filter_on_a_refused_status_reads_the_refused_calls_only(
    tmp_path: Path, status: int | str
) -> None:
    db = Database(str(tmp_path / "plan.db"))
    with db.write() as conn:
        for n in range(40):
            journal.record(conn, stored(n, status=404 if n % 10 == 0 else 200), JournalLimit())
        queries = _journal_statements(conn, {"status": status})
        assert len(queries) == 2, queries
        for sql in queries:
            plan = _plan(conn, sql)
            assert "journal_refused" in plan, plan
            _assert_indexed(plan)
        assert journal.count(conn, {"status": status}) == (4 if int(status) == 404 else 0)
        assert journal.count(conn, {"status": 200}) == 36  # read newest first, without it
        for sql in _journal_statements(conn, {"status": 200}):
            assert "USE TEMP B-TREE" not in _plan(conn, sql)
