"""Handlers of the campaign-mailing reports, the account's mailing interactions and the trend
reports: one read transaction each around a call of ``domain.reports``."""

from __future__ import annotations

from flask import Response, g

from spotler_sim.api import answer, operation, page_request, paged, reading, transaction
from spotler_sim.domain import reports
from spotler_sim.store.mailings import SqliteMailings


def _span(now: int) -> reports.Span:
    return reports.Span.parse(now, (g.params.get("fromDate"), g.params.get("toDate")))


def _campaign_page(kind: str, key: str) -> Response:
    with transaction(write=False) as (conn, now):
        items, page = reports.campaign_page(
            SqliteMailings(conn, g.caller.account.id),
            g.caller,
            g.params["encryptedMailingId"],
            kind,
            _span(now),
            page_request(),
        )
    return paged(items, page, key)


def _subscription_page(kind: str, key: str) -> Response:
    with transaction(write=False) as (conn, now):
        items, page = reports.subscription_page(
            SqliteMailings(conn, g.caller.account.id),
            g.params["encryptedMailingId"],
            g.params["campaignSubscriptionId"],
            kind,
            _span(now),
            page_request(),
        )
    return paged(items, page, key)


def _interactions(kind: str) -> Response:
    ids = g.params.get("trendReportIds")
    with transaction(write=False) as (conn, now):
        span = reports.Span.parse(
            now,
            (g.params.get("fromDate"), g.params.get("toDate")),
            (g.params.get("fromChangeDate"), g.params.get("toChangeDate")),
        )
        items, page = reports.interactions(
            SqliteMailings(conn, g.caller.account.id),
            g.caller,
            kind,
            span,
            None if ids is None else [int(i) for i in ids.split(",")],
            page_request(),
        )
    return paged(items, page, "interactions")


# ---- campaign mailings -----------------------------------------------------------------------


@operation("getCampaignMailingsDetails")
def campaign_mailing_details(**_: str) -> Response:
    with reading() as conn:
        repo = SqliteMailings(conn, g.caller.account.id)
        return answer(reports.campaign_details(repo, g.params["encryptedMailingId"]))


@operation("getCampaignMailingMailedContacts")
def campaign_mailing_recipients(**_: str) -> Response:
    return _campaign_page("sent", "recipients")


@operation("getCampaignMailingOpens")
def campaign_mailing_opens(**_: str) -> Response:
    return _campaign_page("open", "opens")


@operation("getClicks")
def campaign_mailing_clicks(**_: str) -> Response:
    return _campaign_page("click", "clicks")


@operation("getBounces")
def campaign_mailing_bounces(**_: str) -> Response:
    return _campaign_page("bounce", "bounces")


@operation("getCampaignMailingContactOpens")
def campaign_mailing_subscription_opens(**_: str) -> Response:
    return _subscription_page("open", "opens")


@operation("getCampaignMailingContactClicks")
def campaign_mailing_subscription_clicks(**_: str) -> Response:
    return _subscription_page("click", "clicks")


# ---- the account's interactions and trend reports --------------------------------------------


@operation("getSentMailings")
def sent_interactions(**_: str) -> Response:
    return _interactions("sent")


@operation("getOpenedMailingInteractions")
def opened_interactions(**_: str) -> Response:
    return _interactions("open")


@operation("getClickedMailingInteractions")
def clicked_interactions(**_: str) -> Response:
    return _interactions("click")


@operation("getBouncedMailingInteractions")
def bounced_interactions(**_: str) -> Response:
    return _interactions("bounce")


@operation("getTrendReports")
def trend_reports(**_: str) -> Response:
    with reading() as conn:
        items, page = reports.trend_reports(
            SqliteMailings(conn, g.caller.account.id), g.params.get("enabled"), page_request()
        )
    return paged(items, page, "trendReports")
