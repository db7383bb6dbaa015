"""The verbs of the admin plane: what the JSON admin API and the dashboard both do to the state.

Each verb takes the state and a document the admin contract has validated, runs in one
transaction, and answers in the shapes of ``views.py``. The JSON API (``api.py``) and the
dashboard forms (``dashboard.py``) only read their input and call these; the admin CLI calls
the JSON API.
"""

from __future__ import annotations

import time
from typing import Any

from spotler_sim import __version__
from spotler_sim.admin import reports
from spotler_sim.admin.views import (
    account_view,
    auth_view,
    clock_view,
    fault_view,
    journal_filters,
    journal_view,
)
from spotler_sim.config import Config
from spotler_sim.domain import mailings
from spotler_sim.domain.accounts import auth_spec, new_secret, patched
from spotler_sim.domain.clock import clock_from_request
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.errors import SpotlerError
from spotler_sim.fixtures import load, scenario, seeding, snapshot
from spotler_sim.state import State
from spotler_sim.store import accounts as account_store
from spotler_sim.store import faults as fault_store
from spotler_sim.store import journal
from spotler_sim.store.unit import AccountStore

Document = dict[str, Any]


def health(config: Config, state: State) -> Document:
    """Whether the simulator is ready (the database answers too), and what it serves."""
    with state.db.read() as conn:
        # as this worker's connection was opened: what it does, not what it was told
        (synchronous,) = conn.execute("PRAGMA synchronous").fetchone()
    return {
        "ready": True,
        "version": __version__,
        "url": config.root_url,
        "workers": config.workers,
        "database": config.db_path,
        "durable": synchronous != 0,  # NORMAL (1) or stricter syncs at checkpoints; OFF is 0
        "uptimeSeconds": round(time.time() - config.started_at, 1),
    }


# ---- accounts --------------------------------------------------------------------------------


def list_accounts(state: State) -> list[Document]:
    with state.db.read() as conn:
        return [account_view(conn, a) for a in account_store.all_accounts(conn)]


def get_account(state: State, name: str) -> Document:
    with state.db.read() as conn:
        return account_view(conn, state.account(conn, name))


def create_account(state: State, document: Document) -> Document:
    with state.db.write() as conn:
        return account_view(conn, load.create_account(state, conn, document))


def patch_account(state: State, name: str, patch: Document) -> Document:
    with state.db.write() as conn:
        account = patched(state.account(conn, name), patch)
        account_store.update_account(conn, account)
        return account_view(conn, account)


def delete_account(state: State, name: str) -> None:
    state.delete_account(name)


def reset_all(state: State) -> list[str]:
    """Every account back to the document that made it; faults and the journal cleared."""
    return load.reset_all(state)


def reset_account(state: State, name: str) -> None:
    state.reset_account(name)


def accounts_with_recent_contacts(state: State, rows: int) -> list[Document]:
    """Every account with its authentications and its ``rows`` newest contacts (dashboard)."""
    found = []
    with state.db.read() as conn:
        for account in account_store.all_accounts(conn):
            view = account_view(conn, account)
            view["authentications"] = [
                auth_view(a) for a in account_store.authentications(conn, account)
            ]
            view["contacts"] = [
                {
                    "encryptedId": c.encrypted_id,
                    "ids": c.ids,
                    "properties": c.properties,
                    "created": iso_utc(c.created_ms),
                    "changed": iso_utc(c.changed_ms),
                    "anonymized": c.anonymized,
                }
                for c in AccountStore(conn, account.id).contacts.recent(rows)
            ]
            found.append(view)
    return found


# ---- authentications -------------------------------------------------------------------------


def add_authentication(state: State, name: str, document: Document) -> Document:
    with state.db.write() as conn:
        account = state.account(conn, name)
        auth = auth_spec(account.name, account.id_fields, document)
        if account_store.secret_for(conn, auth.key) is not None:
            raise SpotlerError.invalid_params(
                f"the Key {auth.key!r} is taken: choose another or leave key out to get one"
            )
        if any(a.label == auth.label for a in account_store.authentications(conn, account)):
            raise SpotlerError.invalid_params(
                f"account {name!r} has an authentication labelled {auth.label!r} already"
            )
        account_store.add_authentication(conn, account.id, auth)
    return auth_view(auth)


def _no_auth(name: str, label: str) -> SpotlerError:
    return SpotlerError.resource_not_found(
        f"account {name!r} has no authentication labelled {label!r}: "
        f"GET /__admin/accounts/{name} lists them"
    )


def remove_authentication(state: State, name: str, label: str) -> None:
    with state.db.write() as conn:
        if not account_store.remove_authentication(conn, state.account(conn, name).id, label):
            raise _no_auth(name, label)


def rotate_secret(state: State, name: str, label: str) -> Document:
    with state.db.write() as conn:
        account = state.account(conn, name)
        if not account_store.set_secret(conn, account.id, label, new_secret()):
            raise _no_auth(name, label)
        auth = next(a for a in account_store.authentications(conn, account) if a.label == label)
    return auth_view(auth)


# ---- test data -------------------------------------------------------------------------------


def export_snapshot(state: State, name: str | None) -> Document:
    with state.db.read() as conn:
        accounts = [state.account(conn, name)] if name else account_store.all_accounts(conn)
        return {"accounts": [snapshot.snapshot(conn, a) for a in accounts]}


def load_snapshot(state: State, document: Document) -> None:
    snapshot.load_snapshot(state, document)


def seed_contacts(state: State, name: str, seeds: list[Document]) -> None:
    with state.named_store(name, write=True) as (account, store, now):
        seeding.seed_contacts(store.contacts, account, seeds, now)


def add_bounce(state: State, name: str, bounce: Document) -> None:
    with state.named_store(name, write=True) as (account, store, now):
        load.add_bounce(store.contacts, account, bounce, now)


def send_mailing(state: State, encrypted_id: str, document: Document) -> Document:
    with state.named_store(document["account"], write=True) as (account, store, now):
        return mailings.send(store.mailings, store.contacts, account, encrypted_id, document, now)


def apply_scenario(state: State, document: Document) -> Document:
    return scenario.apply_scenario(state, document)


# ---- the clock -------------------------------------------------------------------------------


def get_clock(state: State) -> Document:
    with state.db.read() as conn:
        return clock_view(state.clock(conn), state.wall_ms())


def set_clock(state: State, document: Document) -> Document:
    clock = clock_from_request(document)
    state.set_clock(clock)
    return clock_view(clock, state.wall_ms())


def advance_clock(state: State, seconds: float) -> Document:
    return clock_view(state.advance_clock(seconds), state.wall_ms())


# ---- faults ----------------------------------------------------------------------------------


def list_faults(state: State) -> list[Document]:
    with state.db.read() as conn:
        return [fault_view(*row) for row in fault_store.all_faults(conn)]


def add_fault(state: State, rule: Document) -> Document:
    with state.db.write() as conn:
        fault_id = scenario.add_fault(conn, rule)
    return fault_view(fault_id, rule, 0, 0)


def clear_faults(state: State) -> None:
    with state.db.write() as conn:
        fault_store.clear_faults(conn)


def remove_fault(state: State, fault_id: int, *, missing_ok: bool = False) -> None:
    with state.db.write() as conn:
        if not fault_store.delete_fault(conn, fault_id) and not missing_ok:
            raise SpotlerError.resource_not_found(
                f"no fault rule {fault_id}: GET /__admin/faults lists the rules"
            )


# ---- verdicts -------------------------------------------------------------------------------


def list_verdicts(state: State, params: Document) -> list[Document]:
    """The verdicts on the journal's calls (listVerdicts' validated query narrows them)."""
    with state.db.read() as conn:
        if params.get("account"):
            state.account(conn, params["account"])  # an unknown account is a 404, not []
        return [v.to_json() for v in reports.verdicts(conn, params)]


def exposure(state: State, account: str | None) -> Document:
    with state.db.read() as conn:
        if account:
            state.account(conn, account)
        found: Document = reports.exposure(conn, account)
        return found


# ---- the request journal ---------------------------------------------------------------------


def journal_page(state: State, filters: Document, page: PageRequest) -> tuple[list[Document], Page]:
    """One page of journal entries (newest first) that pass ``filters`` (journal store names)."""
    with state.db.read() as conn:
        rows = journal.entries(conn, filters, page.after, page.fetch)
    result = Page.cut(rows, page)
    return [journal_view(r) for r in result.items], result


def list_requests(state: State, params: Document) -> tuple[list[Document], Page]:
    page = PageRequest(after=params["after"], size=params["pageSize"])
    return journal_page(state, journal_filters(params), page)


def count_requests(state: State, params: Document) -> int:
    with state.db.read() as conn:
        return journal.count(conn, journal_filters(params))


def clear_requests(state: State) -> None:
    with state.db.write() as conn:
        journal.clear(conn)
