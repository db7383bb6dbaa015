"""SQLite repository of one account's campaigns and automations (implements
``domain.campaigns.CampaignRepo``)."""

from __future__ import annotations

import json
import sqlite3

from spotler_sim.domain.campaigns import (
    Automation,
    Campaign,
    CampaignSeed,
    Mailing,
    Sent,
    Subscription,
    Trigger,
)

_CAMPAIGN = "id, encrypted_id, name, active, allow_reentry"
_SUBSCRIPTION = "number, campaign_id, contact_id, trigger, fields, subscribed_ms, stopped_ms"
_AUTOMATION = "id, automation_id, trigger_code, name, active, participation_limit"


class SqliteCampaigns:
    def __init__(self, conn: sqlite3.Connection, account_id: int) -> None:
        self.conn = conn
        self.account_id = account_id

    # ---- rows to values ------------------------------------------------------------------------
    @staticmethod
    def _campaign(row: sqlite3.Row) -> Campaign:
        return Campaign(
            encrypted_id=row["encrypted_id"],
            name=row["name"],
            active=bool(row["active"]),
            allow_reentry=bool(row["allow_reentry"]),
            id=row["id"],
        )

    @staticmethod
    def _mailing(row: sqlite3.Row) -> Mailing:
        return Mailing(row["encrypted_id"], row["name"], row["type"], row["delay_ms"])

    @staticmethod
    def _subscription(row: sqlite3.Row) -> Subscription:
        return Subscription(
            campaign_id=row["campaign_id"],
            contact_id=row["contact_id"],
            trigger=row["trigger"],
            fields=json.loads(row["fields"]),
            subscribed_ms=row["subscribed_ms"],
            stopped_ms=row["stopped_ms"],
            number=row["number"],
        )

    @staticmethod
    def _automation(row: sqlite3.Row) -> Automation:
        return Automation(
            automation_id=row["automation_id"],
            trigger_code=row["trigger_code"],
            name=row["name"],
            active=bool(row["active"]),
            participation_limit=row["participation_limit"],
            id=row["id"],
        )

    # ---- campaigns -----------------------------------------------------------------------------
    def campaigns(self) -> list[Campaign]:
        rows = self.conn.execute(
            f"SELECT {_CAMPAIGN} FROM campaigns WHERE account_id = ? ORDER BY position",
            (self.account_id,),
        ).fetchall()
        return [self._campaign(row) for row in rows]

    def triggers(self) -> list[Trigger]:
        rows = self.conn.execute(
            "SELECT t.encrypted_id, t.name, t.campaign_id FROM campaigns c "
            "JOIN campaign_triggers t ON t.campaign_id = c.id "
            "WHERE c.account_id = ? ORDER BY c.position, t.position",
            (self.account_id,),
        ).fetchall()
        return [Trigger(row[0], row[1], row[2]) for row in rows]

    def campaign(self, encrypted_id: str) -> Campaign | None:
        row = self.conn.execute(
            f"SELECT {_CAMPAIGN} FROM campaigns WHERE account_id = ? AND encrypted_id = ?",
            (self.account_id, encrypted_id),
        ).fetchone()
        return self._campaign(row) if row else None

    def campaign_by_id(self, campaign_id: int) -> Campaign | None:
        row = self.conn.execute(
            f"SELECT {_CAMPAIGN} FROM campaigns WHERE id = ? AND account_id = ?",
            (campaign_id, self.account_id),
        ).fetchone()
        return self._campaign(row) if row else None

    def trigger(self, encrypted_id: str) -> Trigger | None:
        row = self.conn.execute(
            "SELECT encrypted_id, name, campaign_id FROM campaign_triggers "
            "WHERE account_id = ? AND encrypted_id = ?",
            (self.account_id, encrypted_id),
        ).fetchone()
        return Trigger(row[0], row[1], row[2]) if row else None

    def mailings(self, campaign_id: int) -> list[Mailing]:
        rows = self.conn.execute(
            "SELECT encrypted_id, name, type, delay_ms FROM campaign_mailings "
            "WHERE campaign_id = ? ORDER BY position",
            (campaign_id,),
        ).fetchall()
        return [self._mailing(row) for row in rows]

    def encrypted_ids(self) -> set[str]:
        """Every encrypted id of the account's campaigns, triggers and mailings."""
        found: set[str] = set()
        for table in ("campaigns", "campaign_triggers", "campaign_mailings"):
            found.update(
                row[0]
                for row in self.conn.execute(
                    f"SELECT encrypted_id FROM {table} WHERE account_id = ?", (self.account_id,)
                )
            )
        return found

    def add_campaign(self, seed: CampaignSeed) -> int:
        c = seed.campaign
        (position,) = self.conn.execute(
            "SELECT coalesce(max(position), -1) + 1 FROM campaigns WHERE account_id = ?",
            (self.account_id,),
        ).fetchone()
        cursor = self.conn.execute(
            "INSERT INTO campaigns (account_id, encrypted_id, name, active, allow_reentry, "
            "position) VALUES (?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                c.encrypted_id,
                c.name,
                int(c.active),
                int(c.allow_reentry),
                position,
            ),
        )
        campaign_id = int(cursor.lastrowid or 0)
        self.conn.executemany(
            "INSERT INTO campaign_triggers (account_id, campaign_id, encrypted_id, name, position) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (self.account_id, campaign_id, t.encrypted_id, t.name, i)
                for i, t in enumerate(seed.triggers)
            ],
        )
        self.conn.executemany(
            "INSERT INTO campaign_mailings (account_id, campaign_id, encrypted_id, name, type, "
            "delay_ms, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (self.account_id, campaign_id, m.encrypted_id, m.name, m.type, m.delay_ms, i)
                for i, m in enumerate(seed.mailings)
            ],
        )
        return campaign_id

    # ---- subscriptions -------------------------------------------------------------------------
    def latest_subscription(self, campaign_id: int, contact_id: int) -> Subscription | None:
        row = self.conn.execute(
            f"SELECT {_SUBSCRIPTION} FROM campaign_subscriptions "
            "WHERE campaign_id = ? AND contact_id = ? ORDER BY number DESC LIMIT 1",
            (campaign_id, contact_id),
        ).fetchone()
        return self._subscription(row) if row else None

    def has_subscription(self, number: int) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM campaign_subscriptions WHERE account_id = ? AND number = ?",
            (self.account_id, number),
        ).fetchone()
        return row is not None

    def save_subscription(self, subscription: Subscription) -> None:
        """Insert a new subscription (numbered next when ``number`` is 0) or record its stop."""
        s = subscription
        if s.number and self.has_subscription(s.number):
            self.conn.execute(
                "UPDATE campaign_subscriptions SET stopped_ms = ? "
                "WHERE account_id = ? AND number = ?",
                (s.stopped_ms, self.account_id, s.number),
            )
            return
        if not s.number:
            (s.number,) = self.conn.execute(
                "SELECT coalesce(max(number), 0) + 1 FROM campaign_subscriptions "
                "WHERE account_id = ?",
                (self.account_id,),
            ).fetchone()
        self.conn.execute(
            "INSERT INTO campaign_subscriptions (account_id, number, campaign_id, contact_id, "
            "trigger, fields, subscribed_ms, stopped_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                s.number,
                s.campaign_id,
                s.contact_id,
                s.trigger,
                json.dumps(s.fields),
                s.subscribed_ms,
                s.stopped_ms,
            ),
        )

    def sent(self, contact_id: int, now_ms: int, offset: int, limit: int) -> list[Sent]:
        """The campaign mailings sent to a contact by ``now_ms`` (as the interactions record
        them), by subscription then time, each with what the contact did with it by then."""
        rows = self.conn.execute(
            "SELECT i.subscription AS number, i.at_ms AS sent_ms, m.encrypted_id, m.name, m.type, "
            "m.delay_ms FROM interactions i JOIN campaign_mailings m "
            "ON m.account_id = i.account_id AND m.encrypted_id = i.mailing "
            "WHERE i.contact_id = ? AND i.kind = 'sent' AND i.subscription > 0 AND i.at_ms <= ? "
            "AND i.account_id = ? ORDER BY i.subscription, i.at_ms, i.id LIMIT ? OFFSET ?",
            (contact_id, now_ms, self.account_id, limit, offset),
        ).fetchall()
        out = []
        for row in rows:
            outcome = self.conn.execute(
                "SELECT kind, bounce FROM interactions WHERE account_id = ? AND mailing = ? "
                "AND subscription = ? AND contact_id = ? AND kind IN ('bounce', 'click', 'open') "
                "AND at_ms <= ?",
                (self.account_id, row["encrypted_id"], row["number"], contact_id, now_ms),
            ).fetchall()
            kinds = {o["kind"] for o in outcome}
            bounce = next((o["bounce"] for o in outcome if o["kind"] == "bounce"), None)
            out.append(
                Sent(
                    row["number"],
                    row["sent_ms"],
                    self._mailing(row),
                    opened=bool(kinds & {"open", "click"}),
                    clicked="click" in kinds,
                    bounce=bounce,
                )
            )
        return out

    # ---- automations ---------------------------------------------------------------------------
    def automations(self, trigger_code: str) -> list[Automation]:
        rows = self.conn.execute(
            f"SELECT {_AUTOMATION} FROM automations WHERE account_id = ? AND trigger_code = ? "
            "ORDER BY position",
            (self.account_id, trigger_code),
        ).fetchall()
        return [self._automation(row) for row in rows]

    def has_automation(self, automation_id: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM automations WHERE account_id = ? AND automation_id = ?",
            (self.account_id, automation_id),
        ).fetchone()
        return row is not None

    def add_automation(self, automation: Automation) -> int:
        a = automation
        (position,) = self.conn.execute(
            "SELECT count(*) FROM automations WHERE account_id = ?", (self.account_id,)
        ).fetchone()
        cursor = self.conn.execute(
            "INSERT INTO automations (account_id, automation_id, trigger_code, name, active, "
            "participation_limit, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.account_id,
                a.automation_id,
                a.trigger_code,
                a.name,
                int(a.active),
                a.participation_limit,
                position,
            ),
        )
        return int(cursor.lastrowid or 0)

    def entries(self, automation_id: int, contact_id: int) -> int:
        (count,) = self.conn.execute(
            "SELECT count(*) FROM automation_entries WHERE contact_id = ? AND automation_id = ?",
            (contact_id, automation_id),
        ).fetchone()
        return int(count)

    def add_entry(self, automation_id: int, contact_id: int, at_ms: int) -> None:
        self.conn.execute(
            "INSERT INTO automation_entries (account_id, automation_id, contact_id, entered_ms) "
            "VALUES (?, ?, ?, ?)",
            (self.account_id, automation_id, contact_id, at_ms),
        )

    # ---- snapshots -----------------------------------------------------------------------------
    def every_campaign(self) -> list[tuple[CampaignSeed, list[Subscription]]]:
        """Every campaign with its triggers, mailings and subscriptions (for snapshots)."""
        out = []
        for campaign in self.campaigns():
            triggers = self.conn.execute(
                "SELECT encrypted_id, name FROM campaign_triggers WHERE campaign_id = ? "
                "ORDER BY position",
                (campaign.id,),
            ).fetchall()
            subscriptions = self.conn.execute(
                f"SELECT {_SUBSCRIPTION} FROM campaign_subscriptions WHERE campaign_id = ? "
                "ORDER BY contact_id, number",
                (campaign.id,),
            ).fetchall()
            seed = CampaignSeed(
                campaign,
                [Trigger(row[0], row[1], campaign.id) for row in triggers],
                self.mailings(campaign.id),
            )
            subs = sorted((self._subscription(row) for row in subscriptions), key=_number)
            out.append((seed, subs))
        return out

    def every_automation(self) -> list[tuple[Automation, list[tuple[int, int]]]]:
        """Every automation with its entries as (contact id, entered at) (for snapshots)."""
        rows = self.conn.execute(
            f"SELECT {_AUTOMATION} FROM automations WHERE account_id = ? ORDER BY automation_id",
            (self.account_id,),
        ).fetchall()
        automations = sorted((self._automation(row) for row in rows), key=lambda a: a.id)
        out = []
        for automation in automations:
            entries = self.conn.execute(
                "SELECT contact_id, entered_ms FROM automation_entries WHERE automation_id = ? "
                "ORDER BY rowid",
                (automation.id,),
            ).fetchall()
            out.append((automation, [(int(r[0]), int(r[1])) for r in entries]))
        return out


def _number(subscription: Subscription) -> int:
    return subscription.number
