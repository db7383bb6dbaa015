"""Judgements over the journal that the JSON API, the dashboard and the CLI share: verdicts."""

from __future__ import annotations

import sqlite3
from typing import Any

from spotler_sim.domain.timewindows import parse_instant_ms
from spotler_sim.domain.verdicts import Entry, Settings, Verdict, judge
from spotler_sim.store import journal
from spotler_sim.store.accounts import all_accounts


def settings(conn: sqlite3.Connection, **options: Any) -> Settings:
    """Rule settings: each account's longest visibility lag, and the no-backoff burst."""
    lags = {a.name: a.lag.upper_bound_seconds for a in all_accounts(conn)}
    given = {k: v for k, v in options.items() if v is not None}
    return Settings(lag_seconds=lags, **given)


def verdicts(conn: sqlite3.Connection, params: dict[str, Any]) -> list[Verdict]:
    """The verdicts on the calls of ``params["account"]``/``["label"]`` (all when absent),
    narrowed by rule, severity and since (listVerdicts' validated query)."""
    rows = journal.judged(conn, params.get("account"), params.get("label"))
    judged = judge(
        (Entry.from_journal(row) for row in rows),
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
