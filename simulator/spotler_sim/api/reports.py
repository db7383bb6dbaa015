"""Handlers of the campaign-mailing reports, the account's mailing interactions and the trend
reports: one read transaction each around a call of ``domain.reports``."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import answer, operation, page_request, paged
from spotler_sim.domain import reports
from spotler_sim.http.context import Call


def _span(call: Call, now: int) -> reports.Span:
    return reports.Span.parse(now, (call.params.get("fromDate"), call.params.get("toDate")))


def _campaign_page(call: Call, kind: str, key: str) -> Response:
    with call.store(write=False) as (store, now):
        items, page = reports.campaign_page(
            store.mailings,
            call.caller,
            call.params["encryptedMailingId"],
            kind,
            _span(call, now),
            page_request(call),
        )
    return paged(items, page, key)


def _subscription_page(call: Call, kind: str, key: str) -> Response:
    with call.store(write=False) as (store, now):
        items, page = reports.subscription_page(
            store.mailings,
            call.params["encryptedMailingId"],
            call.params["campaignSubscriptionId"],
            kind,
            _span(call, now),
            page_request(call),
        )
    return paged(items, page, key)


def _interactions(call: Call, kind: str) -> Response:
    ids = call.params.get("trendReportIds")
    with call.store(write=False) as (store, now):
        span = reports.Span.parse(
            now,
            (call.params.get("fromDate"), call.params.get("toDate")),
            (call.params.get("fromChangeDate"), call.params.get("toChangeDate")),
        )
        items, page = reports.interactions(
            store.mailings,
            call.caller,
            kind,
            span,
            None if ids is None else [int(i) for i in ids.split(",")],
            page_request(call),
        )
    return paged(items, page, "interactions")


# ---- campaign mailings -----------------------------------------------------------------------


@operation("getCampaignMailingsDetails")
def campaign_mailing_details(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        return answer(reports.campaign_details(store.mailings, call.params["encryptedMailingId"]))


@operation("getCampaignMailingMailedContacts")
def campaign_mailing_recipients(call: Call) -> Response:
    return _campaign_page(call, "sent", "recipients")


@operation("getCampaignMailingOpens")
def campaign_mailing_opens(call: Call) -> Response:
    return _campaign_page(call, "open", "opens")


@operation("getClicks")
def campaign_mailing_clicks(call: Call) -> Response:
    return _campaign_page(call, "click", "clicks")


@operation("getBounces")
def campaign_mailing_bounces(call: Call) -> Response:
    return _campaign_page(call, "bounce", "bounces")


@operation("getCampaignMailingContactOpens")
def campaign_mailing_subscription_opens(call: Call) -> Response:
    return _subscription_page(call, "open", "opens")


@operation("getCampaignMailingContactClicks")
def campaign_mailing_subscription_clicks(call: Call) -> Response:
    return _subscription_page(call, "click", "clicks")


# ---- the account's interactions and trend reports --------------------------------------------


@operation("getSentMailings")
def sent_interactions(call: Call) -> Response:
    return _interactions(call, "sent")


@operation("getOpenedMailingInteractions")
def opened_interactions(call: Call) -> Response:
    return _interactions(call, "open")


@operation("getClickedMailingInteractions")
def clicked_interactions(call: Call) -> Response:
    return _interactions(call, "click")


@operation("getBouncedMailingInteractions")
def bounced_interactions(call: Call) -> Response:
    return _interactions(call, "bounce")


@operation("getTrendReports")
def trend_reports(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        items, page = reports.trend_reports(
            store.mailings, call.params.get("enabled"), page_request(call)
        )
    return paged(items, page, "trendReports")
