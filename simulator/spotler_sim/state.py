"""The simulator's state as the HTTP layers and the CLI use it: the store plus the clock.

Everything lives in the SQLite file, so any number of worker processes that open the same path
see the same accounts, contacts, clock and nonces.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from spotler_sim import contracts
from spotler_sim.domain import (
    audiences,
    campaigns,
    contacts,
    conversions,
    forms,
    mailings,
    orders,
    products,
    properties,
    templists,
)
from spotler_sim.domain.accounts import account_spec, patched
from spotler_sim.domain.clock import ClockState, clock_from_request
from spotler_sim.domain.faults import check_fault_rule
from spotler_sim.domain.model import Account, Caller
from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms
from spotler_sim.errors import SpotlerError
from spotler_sim.store import Database, journal
from spotler_sim.store.accounts import (
    account_by_name,
    all_accounts,
    authentications,
    caller_for_key,
    insert_account,
    keep_source,
    secret_for,
    source,
    update_account,
)
from spotler_sim.store.clock import read_clock, write_clock
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.faults import add_fault, clear_faults
from spotler_sim.store.mailings import SqliteMailings
from spotler_sim.store.retired import Sweeper, retire, retired_accounts, sweep
from spotler_sim.store.unit import AccountStore


def _wall_ms() -> int:
    return int(time.time() * 1000)


class State:
    def __init__(self, db: Database, wall_ms: Callable[[], int] = _wall_ms) -> None:
        self.db = db
        self.wall_ms = wall_ms
        self.sweeper = Sweeper(db)

    # ---- clock -------------------------------------------------------------------------------
    def clock(self, conn: sqlite3.Connection) -> ClockState:
        return read_clock(conn)

    def now_ms(self, conn: sqlite3.Connection) -> int:
        return read_clock(conn).now_ms(self.wall_ms())

    @contextmanager
    def store(self, account_id: int, *, write: bool) -> Iterator[tuple[AccountStore, int]]:
        """One account's repositories inside one transaction, and the simulated time in it."""
        with self.db.write() if write else self.db.read() as conn:
            yield AccountStore(conn, account_id), self.now_ms(conn)

    @contextmanager
    def named_store(self, name: str, *, write: bool) -> Iterator[tuple[Account, AccountStore, int]]:
        """``store()`` of the account named ``name`` (404 when there is none), with the account."""
        with self.db.write() if write else self.db.read() as conn:
            account = self.account(conn, name)
            yield account, AccountStore(conn, account.id), self.now_ms(conn)

    def set_clock(self, state: ClockState) -> None:
        with self.db.write() as conn:
            write_clock(conn, state)

    def advance_clock(self, seconds: float) -> ClockState:
        with self.db.write() as conn:
            state = read_clock(conn).advanced(seconds, self.wall_ms())
            write_clock(conn, state)
        return state

    # ---- accounts ----------------------------------------------------------------------------
    def caller(self, conn: sqlite3.Connection, key: str) -> Caller | None:
        return caller_for_key(conn, key)

    def account(self, conn: sqlite3.Connection, name: str) -> Account:
        account = account_by_name(conn, name)
        if account is None:
            raise SpotlerError.resource_not_found(
                f"no account named {name!r}: GET /__admin/accounts lists the accounts"
            )
        return account

    def has_accounts(self) -> bool:
        with self.db.read() as conn:
            found = conn.execute("SELECT 1 FROM accounts WHERE retired = 0 LIMIT 1").fetchone()
            return found is not None

    def reset_account(self, name: str) -> None:
        """Empty an account, keeping its settings, keys and property definitions: as quick at a
        million contacts as at ten (see store/retired.py)."""
        with self.db.write() as conn:
            old = self.account(conn, name).id
            retire(conn, old, keep=True)
            done = sweep(conn, old)
        if not done:
            self.sweeper.kick()

    def reset_all(self) -> list[str]:
        """Every account back to the document it was created from (the fixture it was loaded
        from, or the definition or snapshot that made it), with the same Keys and Secrets; the
        fault rules and the journal emptied; the clock kept. An account made before documents
        were kept is emptied instead, keeping its settings. Answers the accounts' names."""
        with self.db.write() as conn:
            names = [account.name for account in all_accounts(conn)]
            for name in names:
                account_id = self.account(conn, name).id
                document = source(conn, name)
                if document is None:
                    retire(conn, account_id, keep=True)
                    sweep(conn, account_id)
                    continue
                self._delete(conn, account_id)
                self.create_account(conn, document)
            clear_faults(conn)
            journal.clear(conn)
        self.sweeper.kick()
        return names

    def delete_account(self, name: str) -> None:
        with self.db.write() as conn:
            self._delete(conn, self.account(conn, name).id)

    def _delete(self, conn: sqlite3.Connection, account_id: int) -> None:
        retire(conn, account_id, keep=False)
        if not sweep(conn, account_id):
            self.sweeper.kick()  # it waits for this transaction's lock, then sees the account

    def sweep_leftovers(self) -> None:
        """Finish sweeping accounts retired before this process started."""
        with self.db.read() as conn:
            pending = retired_accounts(conn)
        if pending:
            self.sweeper.kick()

    # ---- fixtures ----------------------------------------------------------------------------
    def load_fixture_file(self, path: str | Path) -> None:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SpotlerError.invalid_params(
                f"cannot read fixture {str(path)!r}: {exc}; give a JSON file like fixtures/demo.json"
            ) from None
        self.load_fixture(document)

    def load_fixture(self, document: dict[str, Any]) -> None:
        """Create the accounts of a fixture document, all or nothing."""
        self._check(document)
        with self.db.write() as conn:
            for raw in document["accounts"]:
                self.create_account(conn, raw)

    @staticmethod
    def _check(document: dict[str, Any], schema: str = "Fixture") -> None:
        validator = contracts.schema_validator(schema, contracts.ADMIN)
        error = next(iter(validator.iter_errors(document)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            raise SpotlerError.invalid_params(
                f"{schema.lower()} is invalid at {where}: {error.message}"
            )

    def create_account(self, conn: sqlite3.Connection, raw: dict[str, Any]) -> Account:
        """One account of a fixture document (already valid), inside the caller's transaction."""
        spec = account_spec(raw)
        if account_by_name(conn, spec.name) is not None:
            raise SpotlerError.invalid_params(
                f"account {spec.name!r} exists already: choose another name"
            )
        for auth in spec.authentications:
            if secret_for(conn, auth.key) is not None:
                raise SpotlerError.invalid_params(
                    f"the Key {auth.key!r} belongs to another account already: every "
                    f"authentication needs a Key of its own"
                )
        insert_account(conn, spec)
        account = self.account(conn, spec.name)
        store = AccountStore(conn, account.id)
        repo = store.contacts
        now = self.now_ms(conn)
        self.seed_contacts(repo, account, raw.get("contacts", []), now)
        for bounce in raw.get("bounces", []):
            self.add_bounce(repo, account, bounce, now)
        for product in raw.get("products", []):
            products.seed(store.products, account, product, now)
        for order in raw.get("orders", []):
            orders.seed(store.orders, repo, account, order, now)
        for conversion in raw.get("conversions", []):
            conversions.seed(store.conversions, repo, conversion, now)
        for campaign in raw.get("campaigns", []):
            campaigns.seed_campaign(store.campaigns, repo, account, campaign, now)
        for automation in raw.get("automations", []):
            campaigns.seed_automation(store.campaigns, repo, account, automation, now)
        self._seed_mailings(store.mailings, repo, account, raw, now)
        for form in raw.get("forms", []):
            forms.seed_form(store.forms, repo, form, now)
        for audience in raw.get("audiences", []):
            audiences.seed(store.audiences, repo, account, audience, now)
        for temporary_list in raw.get("temporaryLists", []):
            templists.seed(store.templists, repo, account, temporary_list, now)
        made = self.account_settings(conn, account)["authentications"]
        keep_source(conn, account.name, {**raw, "authentications": made})
        return account

    def seed_contacts(
        self, repo: SqliteContacts, account: Account, seeds: list[dict[str, Any]], now: int
    ) -> None:
        for seed in seeds:
            contact = repo.create(now)
            sent = {
                name: _as_input(account, name, value)
                for name, value in seed.get("properties", {}).items()
            }
            contact.properties = properties.merge(account, {}, sent, purge=True)
            contact.test_group = bool(seed.get("testGroup", False))
            contact.channels = seed.get("channels")
            contact.anonymized = bool(seed.get("anonymized", False))
            repo.save(contact, properties.email_key(contact.properties))
            for field, value in seed["ids"].items():
                if field not in account.id_fields:
                    raise SpotlerError.invalid_params(
                        f"fixture contact uses ID field {field!r}, which account {account.name!r} "
                        f"does not have: add it to idFields"
                    )
                if repo.by_external_id(field, value) is not None:
                    raise SpotlerError.invalid_params(
                        f"two fixture contacts have {field} = {value!r}: IDs are unique per field"
                    )
                repo.set_external_id(contact.id, field, value)
            changed = int(seed.get("lastChanged", now))
            contact.encrypted_id = seed.get("encryptedId", contact.encrypted_id)
            contact.created_ms = int(seed.get("created", now))
            contact.changed_ms = changed
            contact.listed_ms = seed.get("listed", changed)
            repo.restore(contact)

    # ---- snapshots ---------------------------------------------------------------------------
    def snapshot(self, conn: sqlite3.Connection, account: Account) -> dict[str, Any]:
        """An account as a fixture document entry; loading it gives back the same account."""
        store = AccountStore(conn, account.id)
        repo = store.contacts
        everyone = repo.every()
        encrypted = {contact.id: contact.encrypted_id for contact in everyone}
        contacts_out = []
        for contact in everyone:
            seed: dict[str, Any] = {
                "ids": dict(sorted(contact.ids.items())),
                "properties": {
                    name: _as_input(account, name, value)
                    for name, value in sorted(contact.properties.items())
                },
                "testGroup": contact.test_group,
                "anonymized": contact.anonymized,
                "encryptedId": contact.encrypted_id,
                "created": contact.created_ms,
                "lastChanged": contact.changed_ms,
                "listed": contact.listed_ms,
            }
            if contact.channels is not None:
                seed["channels"] = contact.channels
            contacts_out.append(seed)
        bounces_out = []
        for bounce in repo.every_bounce():
            field, value = sorted(bounce.contact.ids.items())[0]
            entry = {"idField": field, "externalId": value, "type": bounce.type}
            entry["date"] = iso_utc(bounce.date_ms)
            if bounce.mailing:
                entry["mailing"] = bounce.mailing
            bounces_out.append(entry)
        campaign_part = self._campaigns(store, account, encrypted)
        return {
            **self.account_settings(conn, account),
            "properties": [p.to_json() for p in account.properties],
            "productProperties": [{"name": name} for name in account.product_properties],
            "contacts": contacts_out,
            "bounces": bounces_out,
            **self._commerce(store, account, encrypted),
            **campaign_part,
            **self._mailings(store, account, encrypted, campaign_part["campaigns"]),
            "forms": self._forms(store, account, encrypted),
            **self._groups(store, account, encrypted),
        }

    @staticmethod
    def _seed_mailings(
        repo: SqliteMailings,
        contact_repo: SqliteContacts,
        account: Account,
        raw: dict[str, Any],
        now: int,
    ) -> None:
        """Trend reports, regular mailings and the content of campaign mailings, each with the
        recipients and outcomes the fixture lists (after the campaigns' subscriptions)."""
        for report in raw.get("trendReports", []):
            mailings.seed_trend_report(repo, report)
        for mailing in raw.get("mailings", []):
            mailings.seed_mailing(repo, contact_repo, account, mailing, now)
        for campaign in raw.get("campaigns", []):
            for mailing in campaign.get("mailings", []):
                mailings.seed_campaign_mailing(repo, contact_repo, account, mailing)

    @staticmethod
    def _mailings(
        store: AccountStore,
        account: Account,
        encrypted: dict[int, str],
        campaigns_out: list[dict[str, Any]],
    ) -> dict[str, list[dict[str, Any]]]:
        """The trend reports and regular mailings of an account with their recipients; the
        content and recipients of each campaign mailing go into its entry of ``campaigns_out``."""
        repo = store.mailings
        regular = repo.every_mailing(campaign=False)
        for campaign in campaigns_out:
            for entry in campaign["mailings"]:
                found = repo.mailing(entry["encryptedId"])
                if found is not None:
                    entry.update(mailings.campaign_mailing_seed_view(repo, found))
        return {
            "trendReports": [mailings.trend_report_seed_view(r) for r in repo.every_trend_report()],
            "mailings": [mailings.mailing_seed_view(repo, m, encrypted) for m in regular],
        }

    @staticmethod
    def _forms(
        store: AccountStore, account: Account, encrypted: dict[int, str]
    ) -> list[dict[str, Any]]:
        """The forms of an account with their results, as a fixture holds them."""
        every_form = store.forms.every_form()
        return [forms.form_seed_view(form, rs, encrypted) for form, rs in every_form]

    @staticmethod
    def _groups(
        store: AccountStore, account: Account, encrypted: dict[int, str]
    ) -> dict[str, list[dict[str, Any]]]:
        """The audiences and temporary lists of an account with their members."""
        audience_repo = store.audiences
        list_repo = store.templists
        every_audience = [(a, audience_repo.members(a.id)) for a in audience_repo.every()]
        every_list = [(t, list_repo.members(t.id)) for t in list_repo.every()]
        return {
            "audiences": [
                audiences.seed_view(a, [encrypted[c] for c in ms]) for a, ms in every_audience
            ],
            "temporaryLists": [
                templists.seed_view(t, [encrypted[c] for c in ms]) for t, ms in every_list
            ],
        }

    @staticmethod
    def _commerce(
        store: AccountStore, account: Account, encrypted: dict[int, str]
    ) -> dict[str, list[dict[str, Any]]]:
        """The products, orders and conversions of an account, as a fixture holds them."""
        order_rows = store.orders.every()
        conversion_rows = store.conversions.every()
        return {
            "products": [products.view(p) for p in store.products.every()],
            "orders": [orders.seed_view(o, encrypted[o.contact_id]) for o in order_rows],
            "conversions": [conversions.seed_view(c) for c in conversion_rows],
        }

    @staticmethod
    def _campaigns(
        store: AccountStore, account: Account, encrypted: dict[int, str]
    ) -> dict[str, list[dict[str, Any]]]:
        """The campaigns and automations of an account with who went through them."""
        repo = store.campaigns
        every_campaign = repo.every_campaign()
        every_automation = repo.every_automation()
        return {
            "campaigns": [
                campaigns.campaign_seed_view(seed, subs, encrypted) for seed, subs in every_campaign
            ],
            "automations": [
                campaigns.automation_seed_view(a, entries, encrypted)
                for a, entries in every_automation
            ],
        }

    @staticmethod
    def account_settings(conn: sqlite3.Connection, account: Account) -> dict[str, Any]:
        """An account's settings and authentications, as fixtures and the admin API show them."""
        return {
            "name": account.name,
            "idFields": list(account.id_fields),
            "dedupRules": [list(rule) for rule in account.dedup_rules],
            "visibilityLag": account.lag.to_json(),
            "listShape": account.list_shape,
            "licence": account.licence,
            "authentications": [
                {"label": a.label, "key": a.key, "secret": a.secret, "idField": a.id_field}
                for a in authentications(conn, account)
            ],
        }

    def apply_scenario(self, scenario: dict[str, Any]) -> dict[str, Any]:
        """Apply the accounts, settings, clock and faults of a scenario document."""
        self._check(scenario, "Scenario")
        if scenario.get("accounts"):
            self.load_snapshot({"accounts": scenario["accounts"]})
        with self.db.write() as conn:
            for change in scenario.get("settings", []):
                update_account(
                    conn, patched(self.account(conn, change["account"]), change["patch"])
                )
            if "clock" in scenario:
                write_clock(conn, clock_from_request(scenario["clock"]))
            if not scenario.get("keepFaults", False):
                clear_faults(conn)
            fault_ids = [self.add_fault(conn, rule) for rule in scenario.get("faults", [])]
        return {
            "name": scenario["name"],
            "accounts": [a["name"] for a in scenario.get("accounts", [])],
            "faults": fault_ids,
        }

    @staticmethod
    def add_fault(conn: sqlite3.Connection, rule: dict[str, Any]) -> int:
        """Store a fault rule (valid against ``FaultRule``) once its window reads; its id."""
        check_fault_rule(rule)
        return add_fault(conn, rule)

    def load_snapshot(self, document: dict[str, Any]) -> None:
        """Load a fixture document, replacing accounts of the same name; all or nothing."""
        self._check(document)
        with self.db.write() as conn:
            for raw in document["accounts"]:
                existing = account_by_name(conn, raw["name"])
                if existing is not None:
                    self._delete(conn, existing.id)
                self.create_account(conn, raw)

    def add_bounce(
        self, repo: SqliteContacts, account: Account, bounce: dict[str, Any], now: int
    ) -> None:
        contact_id = repo.by_external_id(bounce["idField"], bounce["externalId"])
        if contact_id is None:
            raise SpotlerError.contact_not_found(bounce["idField"], bounce["externalId"])
        date_ms = parse_instant_ms(bounce["date"], name="date") if "date" in bounce else now
        contacts.record_bounce(
            repo, account, contact_id, bounce["type"], date_ms, bounce.get("mailing")
        )


def _as_input(account: Account, name: str, value: Any) -> Any:
    """A stored value in the form a write sends it (set properties: their enabled bits)."""
    prop = account.property(name)
    if prop is not None and prop.type == "set" and isinstance(value, list):
        return [b if isinstance(b, dict) else {"bit": b, "enabled": True} for b in value]
    return value
