"""Mailings and what happened to them: sends, bounces, opens and clicks (the interactions).

Regular mailings, trend reports and the content of campaign mailings (subject, sender, links,
outcome rates) are seeded per account by a fixture. Interactions are only ever *recorded*, never
computed when a report is read: every report (statistics, recipients, opens, clicks, bounces, the
contact's histories, the mailing-interaction lists) counts the same stored rows, which is why they
always agree. Three things record them:

* the admin action ``POST /__admin/mailings/{encryptedId}/send`` (:func:`send`): a regular
  mailing is sent at a moment to named contacts, or to every contact its channel reaches;
* a campaign trigger (:func:`start_passage`): each mailing of the campaign is sent ``delay``
  after the contact entered; a stop (:func:`stop_passage`) takes back what it cuts off;
* a fixture or snapshot (:func:`seed_mailing`, :func:`seed_campaign_mailing`), which lists each
  recipient with its outcome as it happened.

Outcomes of a send are drawn when it is recorded, from the mailing's rates (fractions: hard and
soft bounces of what was sent, opens and clicks of what was delivered; a click implies an open,
a bounced mailing is never opened) and a generator seeded by the send, so the same send gives
the same outcome in every run. Opens and clicks follow minutes to days later; what lies in the
simulated future is stored at once and shows only when the clock gets there. A bounce is also
recorded as the contact's bounce, which ``/contact/bounces/list`` shows after the account's
visibility lag.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from spotler_sim.domain import campaigns as campaign_rules
from spotler_sim.domain import contacts as contact_rules
from spotler_sim.domain import properties as props
from spotler_sim.domain.contacts import ContactRepo, StoredContact
from spotler_sim.domain.model import Account
from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms, seed_instant_ms
from spotler_sim.errors import SpotlerError

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS

KINDS = ("sent", "bounce", "open", "click")
BOUNCE_TYPES = ("HARDBOUNCE", "SOFTBOUNCE")
# Links a simulated reader never clicks by chance: either would change the contact itself.
NOT_CLICKED = ("unsubscribe", "editprofile")


# ---- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    id: int
    name: str
    url: str
    code: str | None = None
    type: str | None = None

    def view(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "url": self.url}
        if self.code is not None:
            out["code"] = self.code
        if self.type is not None:
            out["type"] = self.type
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Link:
        return cls(int(raw["id"]), raw["name"], raw["url"], raw.get("code"), raw.get("type"))


@dataclass(frozen=True)
class Rates:
    """What becomes of a send: ``hard_bounce`` and ``soft_bounce`` are fractions of what is
    sent, ``open`` and ``click`` fractions of what is delivered (every clicker opened too)."""

    hard_bounce: float = 0.0
    soft_bounce: float = 0.0
    open: float = 0.0
    click: float = 0.0

    def to_json(self) -> dict[str, float]:
        return {
            "hardBounce": self.hard_bounce,
            "softBounce": self.soft_bounce,
            "open": self.open,
            "click": self.click,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None, what: str = "rates") -> Rates:
        raw = raw or {}
        rates = cls(
            float(raw.get("hardBounce", 0)),
            float(raw.get("softBounce", 0)),
            float(raw.get("open", 0)),
            float(raw.get("click", 0)),
        )
        if rates.hard_bounce + rates.soft_bounce > 1:
            raise SpotlerError.invalid_params(
                f"{what}: hardBounce + softBounce is {rates.hard_bounce + rates.soft_bounce:g}, "
                f"more than every send; keep their sum at most 1"
            )
        if rates.click > rates.open:
            raise SpotlerError.invalid_params(
                f"{what}: click {rates.click:g} is more than open {rates.open:g}, but whoever "
                f"clicks has opened; give click at most the open rate"
            )
        return rates


@dataclass(frozen=True)
class Mailing:
    """A regular mailing, or the content of a campaign mailing (``campaign`` true)."""

    encrypted_id: str
    name: str
    type: str = "EMAIL"  # EMAIL | SMS
    campaign: bool = False
    scheduled_ms: int = 0  # regular mailings: scheduledStartDate
    trend_report: int | None = None
    subject: str = ""
    from_name: str = ""
    from_email: str | None = None
    author: str = ""
    target_group: str = ""
    archive_link: str | None = None
    rates: Rates = field(default_factory=Rates)
    links: tuple[Link, ...] = ()

    def link_ids(self) -> set[int]:
        return {link.id for link in self.links}


@dataclass(frozen=True)
class Interaction:
    """One thing that happened: a mailing ``sent`` to a contact, or its ``bounce``, an
    ``open`` or a ``click``. ``subscription`` is the campaignSubscriptionId of a campaign
    mailing's send, 0 for a regular mailing."""

    mailing: str
    contact_id: int
    kind: str
    at_ms: int
    subscription: int = 0
    link_id: int | None = None
    bounce: str | None = None
    id: int = 0


@dataclass(frozen=True)
class TrendReport:
    report_id: int
    name: str
    enabled: bool = True
    created_ms: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # the other TrendReport fields


class MailingRepo(Protocol):
    """What the mailing rules need from storage, for one account."""

    def mailing(self, encrypted_id: str) -> Mailing | None: ...
    def add_mailing(self, mailing: Mailing) -> None: ...
    def every_mailing(self, campaign: bool) -> list[Mailing]: ...
    def add_trend_report(self, report: TrendReport) -> None: ...
    def has_trend_report(self, report_id: int) -> bool: ...
    def every_trend_report(self) -> list[TrendReport]: ...
    def add(self, rows: list[Interaction]) -> None: ...
    def received(self, mailing: str, contact_ids: list[int]) -> set[int]: ...
    def sends(self, mailing: str) -> list[Interaction]: ...
    def of_send(self, mailing: str, subscription: int, contact_id: int) -> list[Interaction]: ...
    def remove_sends(self, subscription: int, mailings: list[str]) -> None: ...
    def subscription_contact(self, number: int, mailing: str) -> int | None: ...


class Recipients(ContactRepo, Protocol):
    """The contacts a send reaches: found by ID, all of them, and where bounces are recorded."""

    def by_external_ids(self, field: str, values: list[str]) -> dict[str, int]: ...
    def by_encrypted_id(self, encrypted_id: str) -> int | None: ...
    def encrypted_ids(self, contact_ids: list[int]) -> dict[int, str]: ...
    def every(self) -> list[StoredContact]: ...


# ---- errors the reports share ----------------------------------------------------------------


def not_found(encrypted_id: str, kind: str = "mailing") -> SpotlerError:
    listing = (
        "GET /mailing?fromDate=...&toDate=... lists the mailings"
        if kind == "mailing"
        else "GET /campaign/{encryptedCampaignId}/mailing lists a campaign's mailings"
    )
    return SpotlerError(
        404,
        "MAILING_NOTFOUND",
        f"Given mailing not found: no {kind} has encryptedId {encrypted_id!r} in this account; "
        f"{listing}",
    )


def wrong_type(mailing: Mailing) -> SpotlerError:
    if mailing.campaign:
        hint = f"it is a campaign mailing: ask /campaign-mailing/{mailing.encrypted_id} instead"
    else:
        hint = f"it is a regular mailing: ask /mailing/{mailing.encrypted_id} instead"
    return SpotlerError(400, "INVALID_MAILING", f"Mailing type invalid: {hint}")


def regular(repo: MailingRepo, encrypted_id: str) -> Mailing:
    """The regular mailing a /mailing path names (404 unknown, 400 a campaign mailing)."""
    mailing = repo.mailing(encrypted_id)
    if mailing is None:
        raise not_found(encrypted_id)
    if mailing.campaign:
        raise wrong_type(mailing)
    return mailing


def of_campaign(repo: MailingRepo, encrypted_id: str) -> Mailing:
    """The campaign mailing a /campaign-mailing path names (404 unknown, 400 a regular one)."""
    mailing = repo.mailing(encrypted_id)
    if mailing is None:
        raise not_found(encrypted_id, "campaign mailing")
    if not mailing.campaign:
        raise wrong_type(mailing)
    return mailing


# ---- outcomes --------------------------------------------------------------------------------


def outcome(
    rng: random.Random,
    mailing: Mailing,
    rates: Rates,
    contact_id: int,
    sent_ms: int,
    subscription: int = 0,
) -> list[Interaction]:
    """A send and everything that follows from it, drawn from ``rng``."""

    def row(kind: str, at_ms: int, **extra: Any) -> Interaction:
        return Interaction(mailing.encrypted_id, contact_id, kind, at_ms, subscription, **extra)

    rows = [row("sent", sent_ms)]
    draw = rng.random()
    if draw < rates.hard_bounce:
        return [
            *rows,
            row("bounce", sent_ms + rng.randint(5 * SECOND_MS, 5 * MINUTE_MS), bounce="HARDBOUNCE"),
        ]
    if draw < rates.hard_bounce + rates.soft_bounce:
        return [
            *rows,
            row("bounce", sent_ms + rng.randint(MINUTE_MS, 2 * HOUR_MS), bounce="SOFTBOUNCE"),
        ]
    if rates.open <= 0 or rng.random() >= rates.open:
        return rows
    first = sent_ms + min(max(int(rng.expovariate(1 / (3 * HOUR_MS))), MINUTE_MS), 7 * DAY_MS)
    opens = [first]
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        opens.append(opens[-1] + rng.randint(10 * MINUTE_MS, 2 * DAY_MS))
    rows += [row("open", at) for at in opens]
    clickable = [link for link in mailing.links if link.type not in NOT_CLICKED]
    if clickable and rng.random() < rates.click / rates.open:
        at = first + rng.randint(5 * SECOND_MS, 20 * MINUTE_MS)
        for _ in range(1 + rng.choice((0, 0, 1, 2))):
            rows.append(row("click", at, link_id=rng.choice(clickable).id))
            at += rng.randint(MINUTE_MS, DAY_MS)
    return rows


def _record(
    repo: MailingRepo, contacts: ContactRepo, account: Account, rows: list[Interaction]
) -> None:
    """Store what happened; each bounce is also the contact's bounce (visible after the lag)."""
    repo.add(rows)
    for r in rows:
        if r.kind == "bounce" and r.bounce is not None:
            contact_rules.record_bounce(
                contacts, account, r.contact_id, r.bounce, r.at_ms, r.mailing
            )


# ---- the admin action: send a regular mailing ------------------------------------------------


def _named(contacts: Recipients, account: Account, body: dict[str, Any]) -> list[int]:
    field_name = body.get("idField", account.id_fields[0])
    if field_name not in account.id_fields:
        raise SpotlerError.invalid_params(
            f"idField {field_name!r} is not an ID field of account {account.name!r}; its ID "
            f"fields are {', '.join(account.id_fields)}"
        )
    wanted = [str(v) for v in body["contacts"]]
    found = contacts.by_external_ids(field_name, wanted)
    missing = [v for v in dict.fromkeys(wanted) if v not in found]
    if missing:
        shown = ", ".join(repr(v) for v in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise SpotlerError(
            404,
            "CONTACT_NOT_FOUND",
            f"{len(missing)} contact(s) not found in account {account.name!r} with {field_name} "
            f"= {shown}; nothing was sent. Seed them first (POST /__admin/accounts/"
            f"{account.name}/contacts), or name contacts in another idField",
        )
    return list(dict.fromkeys(found[v] for v in wanted))


def _matches(account: Account, where: dict[str, Any]) -> list[tuple[str, Any]]:
    conditions = []
    for name, value in where.items():
        prop = account.property(name)
        if prop is None or prop.type == "set":
            raise SpotlerError.invalid_params(
                f"where names {name!r}, which is not a property of account {account.name!r} a "
                f"filter can compare (set properties cannot be compared)"
            )
        props.check_value(prop, value)
        canonical = props.canonical(prop, value)
        conditions.append((name, str(canonical).lower() if name == "email" else canonical))
    return conditions


def _reachable(contact: StoredContact, kind: str) -> bool:
    return any(c["name"] == kind and c["value"] for c in contact_rules.channels(contact))


def _everyone(
    contacts: Recipients, account: Account, mailing: Mailing, body: dict[str, Any]
) -> list[int]:
    conditions = _matches(account, body.get("where") or {})
    chosen = []
    for contact in contacts.every():
        if not _reachable(contact, mailing.type):
            continue
        values = {
            n: (
                str(contact.properties.get(n, "")).lower()
                if n == "email"
                else contact.properties.get(n)
            )
            for n, _v in conditions
        }
        if all(values[n] == v for n, v in conditions):
            chosen.append(contact.id)
    return chosen


def send(
    repo: MailingRepo,
    contacts: Recipients,
    account: Account,
    encrypted_id: str,
    body: dict[str, Any],
    now_ms: int,
) -> dict[str, Any]:
    """Send a regular mailing at ``at`` (now when absent) to the named contacts, or to every
    contact the mailing's channel reaches (``all``, narrowed by ``where``). A contact that got
    the mailing already is skipped: a mailing reaches each recipient once."""
    mailing = repo.mailing(encrypted_id)
    if mailing is None:
        raise SpotlerError(
            404,
            "MAILING_NOTFOUND",
            f"account {account.name!r} has no mailing {encrypted_id!r}; seed it under mailings "
            f"in the fixture (GET /__admin/snapshot?account={account.name} shows the ones there "
            f"are)",
        )
    if mailing.campaign:
        raise SpotlerError(
            400,
            "INVALID_MAILING",
            f"{encrypted_id!r} is a campaign mailing: its campaign sends it to each contact a "
            f"trigger puts in (POST /campaign/trigger/{{encryptedTriggerId}}); send a regular "
            f"mailing here",
        )
    rates = Rates.from_json(body["rates"]) if "rates" in body else mailing.rates
    at_ms = parse_instant_ms(body["at"], name="at") if "at" in body else now_ms
    seed = body.get("seed", 0)
    if "contacts" in body:
        targets = _named(contacts, account, body)
    else:
        targets = _everyone(contacts, account, mailing, body)
    already = repo.received(encrypted_id, targets)
    fresh = [c for c in targets if c not in already]
    encrypted = contacts.encrypted_ids(fresh)
    rows: list[Interaction] = []
    for contact_id in fresh:
        rng = random.Random(f"{seed}:{encrypted_id}:{encrypted[contact_id]}")
        rows += outcome(rng, mailing, rates, contact_id, at_ms)
    _record(repo, contacts, account, rows)
    bounces = [r.bounce for r in rows if r.kind == "bounce"]
    return {
        "account": account.name,
        "mailing": encrypted_id,
        "at": iso_utc(at_ms),
        "sent": len(fresh),
        "skipped": len(targets) - len(fresh),
        "delivered": len(fresh) - len(bounces),
        "hardBounces": bounces.count("HARDBOUNCE"),
        "softBounces": bounces.count("SOFTBOUNCE"),
        "opens": sum(r.kind == "open" for r in rows),
        "clicks": sum(r.kind == "click" for r in rows),
        "later": sum(r.at_ms > now_ms for r in rows),
    }


# ---- campaign passages -----------------------------------------------------------------------


def _content(repo: MailingRepo, sent: campaign_rules.Mailing) -> Mailing:
    found = repo.mailing(sent.encrypted_id)
    return found or Mailing(sent.encrypted_id, sent.name, sent.type, campaign=True)


def start_passage(
    repo: MailingRepo,
    contacts: ContactRepo,
    account: Account,
    subscription: campaign_rules.Subscription,
    sends: Iterable[campaign_rules.Mailing],
) -> None:
    """A contact entered a campaign: record each of its mailings, sent ``delay`` after entry,
    with its outcome (drawn from the subscription and the mailing, the same in every run)."""
    rows: list[Interaction] = []
    for sent in sends:
        content = _content(repo, sent)
        rng = random.Random(f"campaign:{sent.encrypted_id}:{subscription.number}")
        at_ms = subscription.subscribed_ms + sent.delay_ms
        rows += outcome(
            rng, content, content.rates, subscription.contact_id, at_ms, subscription.number
        )
    _record(repo, contacts, account, rows)


def stop_passage(
    repo: MailingRepo,
    subscription: campaign_rules.Subscription,
    sends: Iterable[campaign_rules.Mailing],
) -> None:
    """A stop: the mailings due after it are never sent, so what was recorded for them (and the
    bounces they would have caused) is taken back."""
    stopped = subscription.stopped_ms
    if stopped is None:
        return
    cut = [m.encrypted_id for m in sends if subscription.subscribed_ms + m.delay_ms > stopped]
    if cut:
        repo.remove_sends(subscription.number, cut)


# ---- fixtures and snapshots ------------------------------------------------------------------


def _links(raw: list[dict[str, Any]], what: str) -> tuple[Link, ...]:
    links = tuple(Link.from_json(link) for link in raw)
    ids = [link.id for link in links]
    if len(set(ids)) != len(ids):
        raise SpotlerError.invalid_params(f"{what}: two links have the same id; give each its own")
    return links


def _content_fields(raw: dict[str, Any], account: Account, what: str) -> dict[str, Any]:
    return {
        "name": raw["name"],
        "type": raw.get("type", "EMAIL"),
        "subject": raw.get("subject", raw["name"]),
        "from_name": raw.get("fromName", account.name),
        "from_email": raw.get("fromEmail"),
        "author": raw.get("author", account.name),
        "rates": Rates.from_json(raw.get("rates"), f"{what} rates"),
        "links": _links(raw.get("links", []), what),
    }


def _check_new(repo: MailingRepo, encrypted_id: str, what: str) -> None:
    if repo.mailing(encrypted_id) is not None:
        raise SpotlerError.invalid_params(
            f"{what}: encryptedId {encrypted_id!r} is used twice in the account; give every "
            f"mailing and campaign mailing an encryptedId of its own"
        )


def seed_trend_report(repo: MailingRepo, raw: dict[str, Any]) -> None:
    """A trend report of a fixture or snapshot (a ``SeedTrendReport``)."""
    if repo.has_trend_report(int(raw["id"])):
        raise SpotlerError.invalid_params(
            f"fixture trend report id {raw['id']} is used twice; give each report an id of its own"
        )
    rest = {k: v for k, v in raw.items() if k not in ("id", "name", "enabled", "createDate")}
    created = (
        seed_instant_ms(raw["createDate"], 0, name="createDate") if "createDate" in raw else None
    )
    repo.add_trend_report(
        TrendReport(int(raw["id"]), raw["name"], bool(raw.get("enabled", True)), created, rest)
    )


def _recipient_rows(
    mailing: Mailing, raw: dict[str, Any], contact_id: int, subscription: int, what: str
) -> list[Interaction]:
    """The interactions a fixture recipient lists, checked to be something that can happen."""
    sent = seed_instant_ms(raw["sent"], 0, name="sent")

    def row(kind: str, at: Any, **extra: Any) -> Interaction:
        at_ms = seed_instant_ms(at, 0, name=kind)
        if at_ms < sent:
            raise SpotlerError.invalid_params(
                f"{what}: {kind} at {iso_utc(at_ms)} comes before the mailing was sent "
                f"({iso_utc(sent)}); nothing happens to a mailing before it is sent"
            )
        return Interaction(mailing.encrypted_id, contact_id, kind, at_ms, subscription, **extra)

    rows = [Interaction(mailing.encrypted_id, contact_id, "sent", sent, subscription)]
    if "bounce" in raw:
        if raw.get("opens") or raw.get("clicks"):
            raise SpotlerError.invalid_params(
                f"{what}: a bounced mailing never reaches the contact, so it has no opens or "
                f"clicks; drop either the bounce or them"
            )
        rows.append(row("bounce", raw["bounce"]["at"], bounce=raw["bounce"]["type"]))
    opens = [row("open", at) for at in raw.get("opens", [])]
    clicks = []
    for click in raw.get("clicks", []):
        if click["linkId"] not in mailing.link_ids():
            raise SpotlerError.invalid_params(
                f"{what}: a click on linkId {click['linkId']}, which the mailing's links do not "
                f"have; use one of {sorted(mailing.link_ids())}"
            )
        clicks.append(row("click", click["at"], link_id=int(click["linkId"])))
    if clicks and not opens:
        raise SpotlerError.invalid_params(
            f"{what}: clicks without an open; whoever clicks opened the mailing first, so list "
            f"an open at or before the first click"
        )
    if clicks and min(c.at_ms for c in clicks) < min(o.at_ms for o in opens):
        raise SpotlerError.invalid_params(
            f"{what}: the first click comes before the first open; list an open at or before it"
        )
    return [*rows, *opens, *clicks]


def seed_mailing(
    repo: MailingRepo, contacts: Recipients, account: Account, raw: dict[str, Any], now_ms: int
) -> None:
    """A regular mailing of a fixture or snapshot (a ``SeedMailing``) with its recipients.

    The recipients are stored as listed; a bounce among them is the contact's bounce only when
    the fixture's ``bounces`` lists it too (as snapshots do)."""
    what = f"fixture mailing {raw['encryptedId']!r}"
    _check_new(repo, raw["encryptedId"], what)
    report = raw.get("trendReportId")
    if report is not None and not repo.has_trend_report(int(report)):
        raise SpotlerError.invalid_params(
            f"{what} belongs to trend report {report}, which the account does not have; list "
            f"it under trendReports"
        )
    mailing = Mailing(
        encrypted_id=raw["encryptedId"],
        campaign=False,
        scheduled_ms=seed_instant_ms(raw.get("scheduled"), now_ms, name="scheduled"),
        trend_report=None if report is None else int(report),
        target_group=raw.get("targetGroup", "All contacts"),
        archive_link=raw.get("archiveLink"),
        **_content_fields(raw, account, what),
    )
    repo.add_mailing(mailing)
    rows: list[Interaction] = []
    seen: set[int] = set()
    for n, recipient in enumerate(raw.get("recipients", [])):
        where = f"{what}, recipient {n}"
        contact_id = contact_rules.seeded_contact(contacts, account, recipient, where)
        if contact_id in seen:
            raise SpotlerError.invalid_params(
                f"{where}: the contact is listed twice; a mailing reaches a recipient once"
            )
        seen.add(contact_id)
        rows += _recipient_rows(mailing, recipient, contact_id, 0, where)
    repo.add(rows)


def seed_campaign_mailing(
    repo: MailingRepo, contacts: Recipients, account: Account, raw: dict[str, Any]
) -> None:
    """The content of a campaign mailing of a fixture or snapshot (subject, sender, links,
    rates) and the sends its campaign made, each named by its campaignSubscriptionId."""
    what = f"fixture campaign mailing {raw['encryptedId']!r}"
    _check_new(repo, raw["encryptedId"], what)
    mailing = Mailing(
        encrypted_id=raw["encryptedId"],
        campaign=True,
        target_group=raw.get("targetGroup", ""),
        **_content_fields(raw, account, what),
    )
    repo.add_mailing(mailing)
    rows: list[Interaction] = []
    seen: set[int] = set()
    for n, recipient in enumerate(raw.get("recipients", [])):
        where = f"{what}, recipient {n}"
        number = recipient.get("campaignSubscriptionId")
        contact_id = repo.subscription_contact(number, mailing.encrypted_id) if number else None
        if contact_id is None or number in seen:
            raise SpotlerError.invalid_params(
                f"{where}: a campaign mailing's recipient is named by the campaignSubscriptionId "
                f"of a subscription to its campaign, once; {number!r} is none or listed twice"
            )
        seen.add(number)
        rows += _recipient_rows(mailing, recipient, contact_id, number, where)
    repo.add(rows)


def _recipient_view(rows: list[Interaction], named: dict[str, Any]) -> dict[str, Any]:
    sent = next(r for r in rows if r.kind == "sent")
    out: dict[str, Any] = {**named, "sent": iso_utc(sent.at_ms)}
    bounce = next((r for r in rows if r.kind == "bounce"), None)
    if bounce is not None:
        out["bounce"] = {"type": bounce.bounce, "at": iso_utc(bounce.at_ms)}
    opens = [iso_utc(r.at_ms) for r in rows if r.kind == "open"]
    clicks = [{"at": iso_utc(r.at_ms), "linkId": r.link_id} for r in rows if r.kind == "click"]
    if opens:
        out["opens"] = opens
    if clicks:
        out["clicks"] = clicks
    return out


def _content_view(mailing: Mailing) -> dict[str, Any]:
    out: dict[str, Any] = {
        "encryptedId": mailing.encrypted_id,
        "name": mailing.name,
        "type": mailing.type,
        "subject": mailing.subject,
        "fromName": mailing.from_name,
        "author": mailing.author,
        "rates": mailing.rates.to_json(),
        "links": [link.view() for link in mailing.links],
    }
    if mailing.from_email is not None:
        out["fromEmail"] = mailing.from_email
    return out


def mailing_seed_view(
    repo: MailingRepo, mailing: Mailing, encrypted: dict[int, str]
) -> dict[str, Any]:
    """A regular mailing as a fixture or snapshot holds it; :func:`seed_mailing` reads it back."""
    out = {
        **_content_view(mailing),
        "scheduled": iso_utc(mailing.scheduled_ms),
        "targetGroup": mailing.target_group,
        "recipients": [
            _recipient_view(rows, {"contactEncryptedId": encrypted[rows[0].contact_id]})
            for rows in _by_send(repo, mailing)
        ],
    }
    if mailing.trend_report is not None:
        out["trendReportId"] = mailing.trend_report
    if mailing.archive_link is not None:
        out["archiveLink"] = mailing.archive_link
    return out


def campaign_mailing_seed_view(repo: MailingRepo, mailing: Mailing) -> dict[str, Any]:
    """What a snapshot adds to a campaign's mailing entry: its content and its recipients."""
    out = {
        **_content_view(mailing),
        "recipients": [
            _recipient_view(rows, {"campaignSubscriptionId": rows[0].subscription})
            for rows in _by_send(repo, mailing)
        ],
    }
    if mailing.target_group:
        out["targetGroup"] = mailing.target_group
    return out


def _by_send(repo: MailingRepo, mailing: Mailing) -> list[list[Interaction]]:
    """Each send of the mailing (oldest first) with everything that followed it."""
    return [
        repo.of_send(mailing.encrypted_id, sent.subscription, sent.contact_id)
        for sent in repo.sends(mailing.encrypted_id)
    ]


def trend_report_seed_view(report: TrendReport) -> dict[str, Any]:
    out: dict[str, Any] = {"id": report.report_id, "name": report.name, "enabled": report.enabled}
    if report.created_ms is not None:
        out["createDate"] = iso_utc(report.created_ms)
    return {**out, **report.fields}
