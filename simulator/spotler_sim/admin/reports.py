"""Judgements over the journal that the JSON API, the dashboard and the CLI share: verdicts and
the exposure report."""

from __future__ import annotations

import sqlite3
from typing import Any

from spotler_sim.domain import exposure as exposure_report
from spotler_sim.domain.timewindows import parse_instant_ms
from spotler_sim.domain.verdicts import Entry, Settings, Verdict, judge
from spotler_sim.store import faults as fault_store
from spotler_sim.store import journal
from spotler_sim.store.accounts import all_accounts


def settings(conn: sqlite3.Connection, **options: Any) -> Settings:
    """Rule settings: each account's longest visibility lag, and the no-backoff burst."""
    lags = {a.name: a.lag.upper_bound_seconds for a in all_accounts(conn)}
    given = {k: v for k, v in options.items() if v is not None}
    return Settings(lag_seconds=lags, **given)


def _entries(conn: sqlite3.Connection, account: str | None, label: str | None) -> list[Entry]:
    return [Entry.from_journal(row) for row in journal.judged(conn, account, label)]


def verdicts(conn: sqlite3.Connection, params: dict[str, Any]) -> list[Verdict]:
    """The verdicts on the calls of ``params["account"]``/``["label"]`` (all when absent),
    narrowed by rule, severity and since (listVerdicts' validated query)."""
    judged = judge(
        _entries(conn, params.get("account"), params.get("label")),
        settings(
            conn,
            burst_attempts=params.get("burstAttempts"),
            burst_seconds=params.get("burstSeconds"),
        ),
    )
    since = parse_instant_ms(params["since"], name="since") if params.get("since") else None
    return [
        v
        for v in judged
        if params.get("rule") in (None, v.rule)
        and params.get("severity") in (None, v.severity)
        and (since is None or v.at_ms >= since)
    ]


def exposure(conn: sqlite3.Connection, account: str | None) -> dict[str, Any]:
    """What the calls of ``account`` (every account when None) met, and what they never met."""
    entries = _entries(conn, account, None)
    rules = settings(conn)
    windows = [i for i, rule, _, _ in fault_store.all_faults(conn) if rule.get("window")]
    names = {e.account for e in entries if e.account} | ({account} if account else set())
    return exposure_report.report(entries, judge(entries, rules), rules.lag_seconds, windows, names)
