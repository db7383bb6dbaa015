"""The reports on mailings, all read from the recorded interactions (see ``domain.mailings``).

Only what has happened by the simulated now is shown: an open recorded for tomorrow appears
tomorrow. Every list is ordered by time, then by the order things were recorded, and paged like
every other list (``after`` is an offset).

* regular mailings: the list in a window, details, statistics, recipients, opens, clicks and
  bounces, per mailing and per contact; the contact's mailing history (50 per page);
* campaign mailings: details, recipients, opens, clicks and bounces, per mailing and per
  campaign subscription, each optionally narrowed to a window;
* the account's sent, opened, clicked and bounced interactions with regular mailings in a
  window, optionally of some trend reports only; the trend reports.

Statistics count sends and contacts: ``sentCount`` = ``acceptedCount`` + hard + soft bounces;
``openCount`` counts recipients who opened or clicked, ``openRenderedCount`` those with an open
(every simulated click follows an open, so the two agree), ``clickCount`` recipients who clicked;
``conversionClickCount``, ``toWebshopCount`` and ``unsubscribeCount`` recipients who clicked a link
of that type; the shopping-cart counts and value come from the conversions attributed to the
mailing; ``notRetainedAfterBounceCount`` counts the hard bounces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from spotler_sim.domain.contacts import ContactRepo, find
from spotler_sim.domain.mailings import (
    Interaction,
    Mailing,
    MailingRepo,
    TrendReport,
    of_campaign,
    regular,
)
from spotler_sim.domain.model import Caller
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms
from spotler_sim.errors import SpotlerError

LATEST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


@dataclass(frozen=True)
class Span:
    """The part of time a report looks at: inclusive bounds, never past the simulated now."""

    from_ms: int
    to_ms: int

    @classmethod
    def upto(cls, now_ms: int) -> Span:
        return cls(0, now_ms)

    @classmethod
    def parse(cls, now_ms: int, *bounds: tuple[str | None, str | None]) -> Span:
        """The intersection of optional (from, to) windows, up to now; 400 when one is reversed."""
        low, high = 0, now_ms
        for start, end in bounds:
            from_ms = parse_instant_ms(start, name="fromDate") if start else 0
            to_ms = parse_instant_ms(end, name="toDate", end_of_day=True) if end else LATEST_MS
            if from_ms > to_ms:
                raise SpotlerError.invalid_params(
                    f"the window from {start!r} to {end!r} ends before it starts: swap them"
                )
            low, high = max(low, from_ms), min(high, to_ms)
        return cls(low, high)


@dataclass(frozen=True)
class Conversions:
    created: int = 0
    converted: int = 0
    value: int = 0


class ReportRepo(MailingRepo, Protocol):
    """What the reports read, for one account."""

    def scheduled_between(self, from_ms: int, to_ms: int) -> list[Mailing]: ...
    def tally(self, mailing: str, now_ms: int) -> Tally: ...
    def page(
        self, mailing: str, kind: str, span: Span, offset: int, limit: int
    ) -> list[Interaction]: ...
    def of_contact(
        self,
        mailing: str,
        subscription: int,
        contact_id: int,
        kind: str,
        span: Span,
        offset: int,
        limit: int,
    ) -> list[Interaction]: ...
    def history(
        self, contact_id: int, now_ms: int, offset: int, limit: int
    ) -> list[Interaction]: ...
    def outcome_of(self, sent: Interaction, now_ms: int) -> list[Interaction]: ...
    def account_page(
        self, kind: str, span: Span, mailings: list[str] | None, offset: int, limit: int
    ) -> list[Interaction]: ...
    def of_trend_reports(self, report_ids: list[int]) -> list[str]: ...
    def trend_reports(self, enabled: bool | None, offset: int, limit: int) -> list[TrendReport]: ...
    def mailing_count(self, report_id: int) -> int: ...
    def conversions(self, mailing: str, now_ms: int) -> Conversions: ...
    def identifiers(self, contact_ids: list[int], field: str) -> dict[int, dict[str, Any]]: ...


# ---- views -----------------------------------------------------------------------------------


def mailing_view(repo: ReportRepo, mailing: Mailing, now_ms: int) -> dict[str, Any]:
    """A regular mailing as the ``Mailing`` model shows it."""
    out: dict[str, Any] = {
        "encryptedId": mailing.encrypted_id,
        "name": mailing.name,
        "scheduledStartDate": iso_utc(mailing.scheduled_ms),
        "type": mailing.type,
        "sentCount": repo.tally(mailing.encrypted_id, now_ms).sent,
    }
    if mailing.archive_link is not None:
        out["archiveLink"] = mailing.archive_link
    return out


def _message(mailing: Mailing) -> dict[str, Any]:
    out = {
        "name": mailing.name,
        "author": mailing.author,
        "subject": mailing.subject,
        "fromName": mailing.from_name,
    }
    if mailing.from_email is not None:
        out["fromEmail"] = mailing.from_email
    return out


def _identified(
    repo: ReportRepo, caller: Caller, rows: list[Interaction]
) -> Callable[[Interaction], dict[str, Any]]:
    """The ``contactIdentifier`` of each row's contact, as the caller's ID field names it."""
    known = repo.identifiers(sorted({r.contact_id for r in rows}), caller.id_field)
    return lambda row: known[row.contact_id]


DATE_KEY = {"sent": "sendDate", "open": "openDate", "click": "clickDate", "bounce": "bounceDate"}


def _event(row: Interaction, *, with_date: bool = True) -> dict[str, Any]:
    """What an open, click or bounce adds to its row: its date, link or bounce type."""
    out: dict[str, Any] = {DATE_KEY[row.kind]: iso_utc(row.at_ms)} if with_date else {}
    if row.kind == "click":
        out["linkId"] = row.link_id
    if row.kind == "bounce":
        out["type"] = row.bounce
    return out


# ---- regular mailings ------------------------------------------------------------------------


def listing(repo: ReportRepo, window: tuple[int, int], now_ms: int) -> list[dict[str, Any]]:
    """GET /mailing: the regular mailings scheduled in the window (and by now), oldest first."""
    found = repo.scheduled_between(window[0], min(window[1], now_ms))
    return [mailing_view(repo, m, now_ms) for m in found]


def details(repo: ReportRepo, encrypted_id: str, now_ms: int) -> dict[str, Any]:
    """GET /mailing/{encryptedMailingId}."""
    mailing = regular(repo, encrypted_id)
    return {
        **mailing_view(repo, mailing, now_ms),
        "sender": mailing.from_name,
        "targetGroup": mailing.target_group,
        "message": _message(mailing),
        "links": [link.view() for link in mailing.links],
    }


LINK_TYPES = ("conversion", "unsubscribe", "webshop")
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Tally:
    """What a mailing's interactions add up to by a moment: sends, bounces by type, and how
    many recipients opened or clicked, opened, clicked, and clicked a link of each type."""

    sent: int
    hard: int
    soft: int
    reached: int
    opened: int
    clicked: int
    clicked_type: dict[str, int]

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Tally:
        """From counts by what each interaction counted as (see :func:`counted_as`)."""
        return cls(
            sent=counts.get("sent", 0),
            hard=counts.get("HARDBOUNCE", 0),
            soft=counts.get("SOFTBOUNCE", 0),
            reached=counts.get("reached", 0),
            opened=counts.get("opened", 0),
            clicked=counts.get("clicked", 0),
            clicked_type={t: counts.get(f"link:{t}", 0) for t in LINK_TYPES},
        )


def counted_as(
    rows: list[Interaction], link_types: Mapping[str, Mapping[int, str | None]]
) -> list[tuple[str, ...]]:
    """What each interaction of whole sends (earliest first) counts as in its mailing's
    statistics. Every send and every bounce counts; a recipient counts once as ``reached`` (at
    their first open or click), once as ``opened``, once as ``clicked``, and once per type of
    link they clicked (``link:webshop``). Counting the first moments, not the rows, lets the
    store keep the statistics as running sums by hour (``link_types``: per mailing, link id to
    type)."""
    seen: set[tuple[str, int, int, str]] = set()
    out: list[tuple[str, ...]] = []
    for row in rows:
        if row.kind == "sent":
            out.append(("sent",))
            continue
        if row.kind == "bounce":
            out.append((str(row.bounce),))
            continue
        kinds = ["reached", "opened" if row.kind == "open" else "clicked"]
        link_type = link_types.get(row.mailing, {}).get(row.link_id or 0)
        if row.kind == "click" and link_type in LINK_TYPES:
            kinds.append(f"link:{link_type}")
        send = (row.mailing, row.subscription, row.contact_id)
        first = tuple(k for k in kinds if (*send, k) not in seen)
        seen.update((*send, k) for k in kinds)
        out.append(first)
    return out


def statistics(repo: ReportRepo, encrypted_id: str, now_ms: int) -> dict[str, Any]:
    """GET /mailing/{encryptedMailingId}/statistics, counted from what happened by now."""
    mailing = regular(repo, encrypted_id)
    tally = repo.tally(mailing.encrypted_id, now_ms)
    carts = repo.conversions(mailing.encrypted_id, now_ms)
    return {
        "sentCount": tally.sent,
        "acceptedCount": tally.sent - tally.hard - tally.soft,
        "openCount": tally.reached,
        "openRenderedCount": tally.opened,
        "clickCount": tally.clicked,
        "hardbounceCount": tally.hard,
        "softbounceCount": tally.soft,
        "notRetainedAfterBounceCount": tally.hard,
        "conversionClickCount": tally.clicked_type["conversion"],
        "unsubscribeCount": tally.clicked_type["unsubscribe"],
        "toWebshopCount": tally.clicked_type["webshop"],
        "shoppingcartCreatedCount": carts.created,
        "shoppingcartConvertedCount": carts.converted,
        "conversionValue": carts.value,
    }


def mailing_page(
    repo: ReportRepo,
    caller: Caller,
    encrypted_id: str,
    kind: str,
    request: PageRequest,
    now_ms: int,
) -> tuple[list[dict[str, Any]], Page]:
    """Recipients (``sent``), opens, clicks or bounces of a regular mailing."""
    mailing = regular(repo, encrypted_id)
    rows = repo.page(mailing.encrypted_id, kind, Span.upto(now_ms), request.after, request.fetch)
    page = Page.cut(rows, request)
    ident = _identified(repo, caller, page.items)
    items = [
        {"contactIdentifier": ident(r), **({} if kind == "sent" else _event(r))} for r in page.items
    ]
    return items, page


def contact_page(
    repo: ReportRepo,
    contacts: ContactRepo,
    caller: Caller,
    encrypted_id: str,
    external_id: str,
    kind: str,
    request: PageRequest,
    now_ms: int,
) -> tuple[list[dict[str, Any]], Page]:
    """The opens or clicks of a regular mailing by one contact."""
    mailing = regular(repo, encrypted_id)
    contact_id = contacts.by_external_id(caller.id_field, external_id)
    if contact_id is None:
        raise SpotlerError(
            400,
            "CONTACT_NOT_FOUND",
            f"Invalid param: Contact not found: no contact has {caller.id_field} = "
            f"{external_id!r} in this account; the recipients of the mailing name the contacts "
            f"it was sent to",
        )
    rows = repo.of_contact(
        mailing.encrypted_id, 0, contact_id, kind, Span.upto(now_ms), request.after, request.fetch
    )
    page = Page.cut(rows, request)
    return [_event(r) for r in page.items], page


def _flags(outcome: list[Interaction]) -> dict[str, Any]:
    kinds = {r.kind for r in outcome}
    out: dict[str, Any] = {"opened": bool(kinds & {"open", "click"}), "clicked": "click" in kinds}
    bounce = next((r.bounce for r in outcome if r.kind == "bounce"), None)
    if bounce is not None:
        out["bounce"] = bounce
    return out


def history(
    repo: ReportRepo,
    contacts: ContactRepo,
    caller: Caller,
    external_id: str,
    request: PageRequest,
    now_ms: int,
) -> tuple[list[dict[str, Any]], Page]:
    """GET /contact/{externalId}/mailings: the regular mailings sent to the contact, oldest
    first, each with whether it was opened, clicked or bounced by now."""
    contact = find(contacts, caller, external_id)
    page = Page.cut(repo.history(contact.id, now_ms, request.after, request.fetch), request)
    views: dict[str, dict[str, Any]] = {}
    items = []
    for sent in page.items:
        if sent.mailing not in views:
            mailing = repo.mailing(sent.mailing)
            assert mailing is not None  # interactions go with their mailing
            views[sent.mailing] = mailing_view(repo, mailing, now_ms)
        items.append(
            {
                "mailing": views[sent.mailing],
                "sentDate": iso_utc(sent.at_ms),
                **_flags(repo.outcome_of(sent, now_ms)),
            }
        )
    return items, page


# ---- campaign mailings -----------------------------------------------------------------------


def campaign_details(repo: ReportRepo, encrypted_id: str) -> dict[str, Any]:
    """GET /campaign-mailing/{encryptedMailingId}."""
    mailing = of_campaign(repo, encrypted_id)
    return {
        "encryptedId": mailing.encrypted_id,
        "name": mailing.name,
        "type": mailing.type,
        "message": _message(mailing),
        "links": [link.view() for link in mailing.links],
    }


def campaign_page(
    repo: ReportRepo, caller: Caller, encrypted_id: str, kind: str, span: Span, request: PageRequest
) -> tuple[list[dict[str, Any]], Page]:
    """Recipients (``sent``), opens, clicks or bounces of a campaign mailing in a span."""
    mailing = of_campaign(repo, encrypted_id)
    page = Page.cut(
        repo.page(mailing.encrypted_id, kind, span, request.after, request.fetch), request
    )
    ident = _identified(repo, caller, page.items)
    items = [
        {
            "contactIdentifier": ident(r),
            "campaignSubscriptionId": r.subscription,
            **_event(r),
        }
        for r in page.items
    ]
    return items, page


def subscription_page(
    repo: ReportRepo, encrypted_id: str, number: int, kind: str, span: Span, request: PageRequest
) -> tuple[list[dict[str, Any]], Page]:
    """The opens or clicks of a campaign mailing in one campaign subscription."""
    mailing = of_campaign(repo, encrypted_id)
    contact_id = repo.subscription_contact(number, mailing.encrypted_id)
    if contact_id is None:
        raise SpotlerError(
            400,
            "CONTACT_NOT_FOUND",
            f"Invalid param: Contact not found: no campaign subscription {number} of the "
            f"campaign that sends {encrypted_id!r}; the recipients of the campaign mailing "
            f"name their campaignSubscriptionId",
        )
    rows = repo.of_contact(
        mailing.encrypted_id, number, contact_id, kind, span, request.after, request.fetch
    )
    page = Page.cut(rows, request)
    return [_event(r) for r in page.items], page


# ---- the account's interactions and trend reports --------------------------------------------


def interactions(
    repo: ReportRepo,
    caller: Caller,
    kind: str,
    span: Span,
    trend_reports: list[int] | None,
    request: PageRequest,
) -> tuple[list[dict[str, Any]], Page]:
    """GET /mailing-interaction/{sent|opened|clicked|bounced}: what happened with the account's
    regular mailings in the span, optionally those of some trend reports only."""
    chosen = None
    if trend_reports is not None:  # ids past int32 name no report
        chosen = repo.of_trend_reports(sorted({i for i in trend_reports if i < 2**31}))
    if chosen == []:
        return [], Page([], request.after, False)
    rows = repo.account_page(kind, span, chosen, request.after, request.fetch)
    page = Page.cut(rows, request)
    ident = _identified(repo, caller, page.items)
    mailings: dict[str, Mailing] = {}
    items = []
    for row in page.items:
        if row.mailing not in mailings:
            found = repo.mailing(row.mailing)
            assert found is not None
            mailings[row.mailing] = found
        mailing = mailings[row.mailing]
        item: dict[str, Any] = {
            "id": row.id,
            "externalContactId": ident(row).get("externalId"),
            "encryptedMailingId": row.mailing,
            "date": iso_utc(row.at_ms),
            "changeDate": iso_utc(row.at_ms),
            "trendReportId": mailing.trend_report,
        }
        if kind == "sent":
            item["name"] = mailing.name
            item["subject"] = mailing.subject
            if mailing.archive_link is not None:
                item["onlineVersionLink"] = mailing.archive_link
        if kind == "bounce":
            item["bounceType"] = "HARD" if row.bounce == "HARDBOUNCE" else "SOFT"
        items.append(item)
    return items, page


def trend_reports(
    repo: ReportRepo, enabled: bool | None, request: PageRequest
) -> tuple[list[dict[str, Any]], Page]:
    """GET /trend-report: the account's trend reports with how many mailings each groups."""
    page = Page.cut(repo.trend_reports(enabled, request.after, request.fetch), request)
    items = []
    for report in page.items:
        item: dict[str, Any] = {
            "id": report.report_id,
            "name": report.name,
            "enabled": report.enabled,
        }
        if report.created_ms is not None:
            item["createDate"] = iso_utc(report.created_ms)
        items.append(
            {**item, **report.fields, "mailingCount": repo.mailing_count(report.report_id)}
        )
    return items, page
