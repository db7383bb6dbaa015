"""SQLite repository of one account's mailings, trend reports and interactions (implements
``domain.mailings.MailingRepo`` and ``domain.reports.ReportRepo``).

Every list reads one index range in its order (see the indexes in schema.sql and
tests/unit/test_query_plans.py), so a page costs the same at a hundred interactions as at a
hundred thousand.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from typing import Any

from spotler_sim.domain.mailings import KINDS, Interaction, Link, Mailing, Rates, TrendReport
from spotler_sim.domain.reports import HOUR_MS, Conversions, Span, Tally, counted_as

_MAILING = "encrypted_id, campaign, name, type, scheduled_ms, trend_report, content, rates"
_ROW = "id, mailing, subscription, contact_id, kind, at_ms, link_id, bounce"
_RANK = {kind: n for n, kind in enumerate(KINDS)}


class SqliteMailings:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    # ---- rows to values ------------------------------------------------------------------------
    @staticmethod
    def _mailing(row: sqlite3.Row) -> Mailing:
        content = json.loads(row["content"])
        rates = json.loads(row["rates"])
        return Mailing(
            encrypted_id=row["encrypted_id"],
            name=row["name"],
            type=row["type"],
            campaign=bool(row["campaign"]),
            scheduled_ms=row["scheduled_ms"],
            trend_report=row["trend_report"],
            subject=content["subject"],
            from_name=content["fromName"],
            from_email=content.get("fromEmail"),
            author=content["author"],
            target_group=content["targetGroup"],
            archive_link=content.get("archiveLink"),
            rates=Rates(rates["hardBounce"], rates["softBounce"], rates["open"], rates["click"]),
            links=tuple(Link.from_json(link) for link in content["links"]),
        )

    @staticmethod
    def _row(row: sqlite3.Row) -> Interaction:
        return Interaction(
            mailing=row["mailing"],
            contact_id=row["contact_id"],
            kind=row["kind"],
            at_ms=row["at_ms"],
            subscription=row["subscription"],
            link_id=row["link_id"],
            bounce=row["bounce"],
            id=row["id"],
        )

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Interaction]:
        return [self._row(row) for row in self.conn.execute(sql, params).fetchall()]

    # ---- mailings and trend reports ------------------------------------------------------------
    def mailing(self, encrypted_id: str) -> Mailing | None:
        row = self.conn.execute(
            f"SELECT {_MAILING} FROM mailings WHERE account_id = ? AND encrypted_id = ?",
            (self.account_id, encrypted_id),
        ).fetchone()
        return self._mailing(row) if row else None

    def add_mailing(self, mailing: Mailing) -> None:
        content: dict[str, Any] = {
            "subject": mailing.subject,
            "fromName": mailing.from_name,
            "author": mailing.author,
            "targetGroup": mailing.target_group,
            "links": [link.view() for link in mailing.links],
        }
        if mailing.from_email is not None:
            content["fromEmail"] = mailing.from_email
        if mailing.archive_link is not None:
            content["archiveLink"] = mailing.archive_link
        self.conn.execute(
            "INSERT INTO mailings (account_id, encrypted_id, campaign, name, type, scheduled_ms, "
            "trend_report, content, rates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                mailing.encrypted_id,
                int(mailing.campaign),
                mailing.name,
                mailing.type,
                mailing.scheduled_ms,
                mailing.trend_report,
                json.dumps(content),
                json.dumps(mailing.rates.to_json()),
            ),
        )

    def every_mailing(self, campaign: bool) -> list[Mailing]:
        rows = self.conn.execute(
            f"SELECT {_MAILING} FROM mailings WHERE account_id = ? AND campaign = ? "
            "ORDER BY scheduled_ms, id",
            (self.account_id, int(campaign)),
        ).fetchall()
        return [self._mailing(row) for row in rows]

    def scheduled_between(self, from_ms: int, to_ms: int) -> list[Mailing]:
        rows = self.conn.execute(
            f"SELECT {_MAILING} FROM mailings WHERE account_id = ? AND campaign = 0 "
            "AND scheduled_ms BETWEEN ? AND ? ORDER BY scheduled_ms, id",
            (self.account_id, from_ms, to_ms),
        ).fetchall()
        return [self._mailing(row) for row in rows]

    def of_trend_reports(self, report_ids: list[int]) -> list[str]:
        found: list[str] = []
        for start in range(0, len(report_ids), 500):  # below SQLite's limit of bound values
            chunk = report_ids[start : start + 500]
            found += [
                row[0]
                for row in self.conn.execute(
                    "SELECT encrypted_id FROM mailings INDEXED BY mailings_trend_report "
                    f"WHERE account_id = ? AND trend_report IN ({','.join('?' * len(chunk))})",
                    (self.account_id, *chunk),
                )
            ]
        return found

    def add_trend_report(self, report: TrendReport) -> None:
        (position,) = self.conn.execute(
            "SELECT coalesce(max(position), -1) + 1 FROM trend_reports WHERE account_id = ?",
            (self.account_id,),
        ).fetchone()
        self.conn.execute(
            "INSERT INTO trend_reports (account_id, report_id, name, enabled, created_ms, fields, "
            "position) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                report.report_id,
                report.name,
                int(report.enabled),
                report.created_ms,
                json.dumps(report.fields),
                position,
            ),
        )

    def has_trend_report(self, report_id: int) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM trend_reports WHERE account_id = ? AND report_id = ?",
            (self.account_id, report_id),
        ).fetchone()
        return row is not None

    @staticmethod
    def _report(row: sqlite3.Row) -> TrendReport:
        return TrendReport(
            row["report_id"],
            row["name"],
            bool(row["enabled"]),
            row["created_ms"],
            json.loads(row["fields"]),
        )

    def trend_reports(self, enabled: bool | None, offset: int, limit: int) -> list[TrendReport]:
        where = "" if enabled is None else f" AND enabled = {int(enabled)}"
        rows = self.conn.execute(
            "SELECT report_id, name, enabled, created_ms, fields FROM trend_reports "
            f"WHERE account_id = ?{where} ORDER BY position LIMIT ? OFFSET ?",
            (self.account_id, limit, offset),
        ).fetchall()
        return [self._report(row) for row in rows]

    def every_trend_report(self) -> list[TrendReport]:
        return self.trend_reports(None, 0, -1)

    def mailing_count(self, report_id: int) -> int:
        (count,) = self.conn.execute(
            "SELECT count(*) FROM mailings WHERE account_id = ? AND trend_report = ?",
            (self.account_id, report_id),
        ).fetchone()
        return int(count)

    # ---- recording -----------------------------------------------------------------------------
    def add(self, rows: list[Interaction]) -> None:
        """Store interactions of whole sends, earliest first (so that ids follow time where times
        are equal), each with what it counts as, and add those to the hourly running sums."""
        ordered = sorted(rows, key=lambda r: (r.at_ms, _RANK[r.kind], r.subscription, r.contact_id))
        links = {
            m: {link.id: link.type for link in found.links}
            for m in {r.mailing for r in ordered}
            if (found := self.mailing(m)) is not None
        }
        counted = counted_as(ordered, links)
        self.conn.executemany(
            "INSERT INTO interactions (account_id, mailing, subscription, contact_id, kind, "
            "at_ms, link_id, bounce, counted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    self.account_id,
                    r.mailing,
                    r.subscription,
                    r.contact_id,
                    r.kind,
                    r.at_ms,
                    r.link_id,
                    r.bounce,
                    ",".join(what),
                )
                for r, what in zip(ordered, counted, strict=True)
            ],
        )
        self._add_to_tallies(
            Counter(
                (r.mailing, w, r.at_ms // HOUR_MS)
                for r, ws in zip(ordered, counted, strict=True)
                for w in ws
            )
        )

    def _add_to_tallies(self, changes: Counter[tuple[str, str, int]], sign: int = 1) -> None:
        self.conn.executemany(
            "INSERT INTO interaction_tallies (account_id, mailing, what, hour, count) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, mailing, what, hour) "
            "DO UPDATE SET count = count + excluded.count",
            [(self.account_id, m, w, h, sign * n) for (m, w, h), n in changes.items()],
        )

    def tally(self, mailing: str, now_ms: int) -> Tally:
        """A mailing's counts by now: the running sums of the hours before this one, and the
        interactions of this hour so far (a few rows), whatever the mailing's size."""
        hour = now_ms // HOUR_MS
        counts: Counter[str] = Counter()
        for what, total in self.conn.execute(
            "SELECT what, sum(count) FROM interaction_tallies WHERE account_id = ? "
            "AND mailing = ? AND hour < ? GROUP BY what",
            (self.account_id, mailing, hour),
        ):
            counts[what] += int(total)
        for (text,) in self.conn.execute(
            "SELECT counted FROM interactions WHERE account_id = ? AND mailing = ? AND kind IN "
            "('sent', 'bounce', 'open', 'click') AND at_ms BETWEEN ? AND ?",
            (self.account_id, mailing, hour * HOUR_MS, now_ms),
        ):
            counts.update(w for w in text.split(",") if w)
        return Tally.of(counts)

    def received(self, mailing: str, contact_ids: list[int]) -> set[int]:
        """Which of these contacts a regular mailing was sent to already."""
        found: set[int] = set()
        wanted = sorted(set(contact_ids))
        for start in range(0, len(wanted), 500):  # below SQLite's limit of bound values
            chunk = wanted[start : start + 500]
            found.update(
                row[0]
                for row in self.conn.execute(
                    "SELECT contact_id FROM interactions WHERE account_id = ? AND mailing = ? "
                    f"AND subscription = 0 AND contact_id IN ({','.join('?' * len(chunk))}) "
                    "AND kind = 'sent'",
                    (self.account_id, mailing, *chunk),
                )
            )
        return found

    def remove_sends(self, subscription: int, mailings: list[str]) -> None:
        """Take back the sends of campaign mailings in one passage, and the bounces they made."""
        for mailing in mailings:
            bounces = self.conn.execute(
                "SELECT contact_id, at_ms FROM interactions WHERE account_id = ? AND mailing = ? "
                "AND subscription = ? AND kind = 'bounce'",
                (self.account_id, mailing, subscription),
            ).fetchall()
            for contact_id, at_ms in bounces:
                self.conn.execute(
                    "DELETE FROM bounces WHERE account_id = ? AND date_ms = ? AND contact_id = ? "
                    "AND mailing = ?",
                    (self.account_id, at_ms, contact_id, mailing),
                )
            taken = self.conn.execute(
                "SELECT at_ms, counted FROM interactions WHERE account_id = ? AND mailing = ? "
                "AND subscription = ?",
                (self.account_id, mailing, subscription),
            ).fetchall()
            self._add_to_tallies(
                Counter(
                    (mailing, w, at_ms // HOUR_MS)
                    for at_ms, text in taken
                    for w in text.split(",")
                    if w
                ),
                sign=-1,
            )
            self.conn.execute(
                "DELETE FROM interactions WHERE account_id = ? AND mailing = ? AND subscription = ?",
                (self.account_id, mailing, subscription),
            )

    def subscription_contact(self, number: int, mailing: str) -> int | None:
        """The contact of a campaign subscription, if its campaign sends this mailing."""
        row = self.conn.execute(
            "SELECT s.contact_id FROM campaign_mailings m JOIN campaign_subscriptions s "
            "ON s.campaign_id = m.campaign_id WHERE m.account_id = ? AND m.encrypted_id = ? "
            "AND s.account_id = ? AND s.number = ?",
            (self.account_id, mailing, self.account_id, number),
        ).fetchone()
        return int(row[0]) if row else None

    # ---- reading -------------------------------------------------------------------------------
    def page(
        self, mailing: str, kind: str, span: Span, offset: int, limit: int
    ) -> list[Interaction]:
        return self._rows(
            f"SELECT {_ROW} FROM interactions WHERE account_id = ? AND mailing = ? AND kind = ? "
            "AND at_ms BETWEEN ? AND ? ORDER BY at_ms, id LIMIT ? OFFSET ?",
            (self.account_id, mailing, kind, span.from_ms, span.to_ms, limit, offset),
        )

    def of_contact(
        self,
        mailing: str,
        subscription: int,
        contact_id: int,
        kind: str,
        span: Span,
        offset: int,
        limit: int,
    ) -> list[Interaction]:
        return self._rows(
            f"SELECT {_ROW} FROM interactions WHERE account_id = ? AND mailing = ? "
            "AND subscription = ? AND contact_id = ? AND kind = ? AND at_ms BETWEEN ? AND ? "
            "ORDER BY at_ms, id LIMIT ? OFFSET ?",
            (
                self.account_id,
                mailing,
                subscription,
                contact_id,
                kind,
                span.from_ms,
                span.to_ms,
                limit,
                offset,
            ),
        )

    def sends(self, mailing: str) -> list[Interaction]:
        """Every send of a mailing, in the order it happened (for snapshots)."""
        return self.page(mailing, "sent", Span(0, 2**63 - 1), 0, -1)

    def of_send(self, mailing: str, subscription: int, contact_id: int) -> list[Interaction]:
        """Everything recorded for one send, by kind and time."""
        return self._rows(
            f"SELECT {_ROW} FROM interactions WHERE account_id = ? AND mailing = ? "
            "AND subscription = ? AND contact_id = ? ORDER BY kind, at_ms, id",
            (self.account_id, mailing, subscription, contact_id),
        )

    def outcome_of(self, sent: Interaction, now_ms: int) -> list[Interaction]:
        """The bounce, opens and clicks of a send that happened by now."""
        return self._rows(
            f"SELECT {_ROW} FROM interactions WHERE account_id = ? AND mailing = ? "
            "AND subscription = ? AND contact_id = ? AND kind IN ('bounce', 'click', 'open') "
            "AND at_ms <= ?",
            (self.account_id, sent.mailing, sent.subscription, sent.contact_id, now_ms),
        )

    def history(self, contact_id: int, now_ms: int, offset: int, limit: int) -> list[Interaction]:
        """The regular mailings sent to a contact by now, oldest first."""
        return self._rows(
            # INDEXED BY: the account's index also gives this order, but walks every send
            f"SELECT {_ROW} FROM interactions INDEXED BY interactions_contact "
            "WHERE contact_id = ? AND kind = 'sent' AND subscription = 0 AND at_ms <= ? "
            "AND account_id = ? "
            "ORDER BY at_ms, id LIMIT ? OFFSET ?",
            (contact_id, now_ms, self.account_id, limit, offset),
        )

    def account_page(
        self, kind: str, span: Span, mailings: list[str] | None, offset: int, limit: int
    ) -> list[Interaction]:
        """What happened with the account's regular mailings in a span, oldest first."""
        only = "" if mailings is None else f" AND mailing IN ({','.join('?' * len(mailings))})"
        return self._rows(
            f"SELECT {_ROW} FROM interactions INDEXED BY interactions_account "
            "WHERE account_id = ? AND subscription = 0 AND kind = ? AND at_ms BETWEEN ? AND ?"
            f"{only} ORDER BY at_ms, id LIMIT ? OFFSET ?",
            (self.account_id, kind, span.from_ms, span.to_ms, *(mailings or []), limit, offset),
        )

    def conversions(self, mailing: str, now_ms: int) -> Conversions:
        rows = self.conn.execute(
            "SELECT type, value FROM conversions WHERE account_id = ? AND mailing = ? "
            "AND date_ms <= ?",
            (self.account_id, mailing, now_ms),
        ).fetchall()
        converted = [row[1] or 0 for row in rows if row[0] == "CONVERT_SHOPPINGCART"]
        return Conversions(len(rows) - len(converted), len(converted), sum(converted))

    def identifiers(self, contact_ids: list[int], field: str) -> dict[int, dict[str, Any]]:
        """The contactIdentifier of each contact: its value in ``field`` and its encryptedId."""
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(contact_ids), 500):  # below SQLite's limit of bound values
            chunk = contact_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for cid, enc in self.conn.execute(
                # "+account_id": look each id up by key, not scan the account's contacts
                f"SELECT id, encrypted_id FROM contacts WHERE id IN ({marks}) AND +account_id = ?",
                (*chunk, self.account_id),
            ):
                found[cid] = {"externalId": None, "encryptedId": enc}
            for cid, value in self.conn.execute(
                f"SELECT contact_id, value FROM contact_ids WHERE contact_id IN ({marks}) "
                "AND field = ?",
                (*chunk, field),
            ):
                found[cid]["externalId"] = value
        return found
