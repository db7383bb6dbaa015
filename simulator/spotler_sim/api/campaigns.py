"""Handlers of the campaign and automation operations, and of the contact's campaign-mailing
history: one transaction each around a call of the domain."""

from __future__ import annotations

import sqlite3

from flask import Response, g

from spotler_sim.api import answer, no_content, operation, page_request, paged, reading, transaction
from spotler_sim.domain import campaigns, mailings
from spotler_sim.domain.paging import HISTORY_PAGE_SIZE
from spotler_sim.store.campaigns import SqliteCampaigns
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.mailings import SqliteMailings
from spotler_sim.store.products import SqliteProducts


def _repos(conn: sqlite3.Connection) -> tuple[SqliteCampaigns, SqliteContacts]:
    account_id = g.caller.account.id
    return SqliteCampaigns(conn, account_id), SqliteContacts(conn, account_id)


@operation("externalCampaignTriggers")
def list_campaigns(**_: str) -> Response:
    with reading() as conn:
        return answer(campaigns.listing(SqliteCampaigns(conn, g.caller.account.id)))


@operation("getCampaignMailings")
def campaign_mailings(**_: str) -> Response:
    with reading() as conn:
        repo = SqliteCampaigns(conn, g.caller.account.id)
        return answer(campaigns.mailings(repo, g.params["encryptedCampaignId"]))


@operation("triggerCampaign")
def trigger_campaign(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        repo, contacts = _repos(conn)
        products = SqliteProducts(conn, g.caller.account.id)
        subscription = campaigns.trigger(
            repo, contacts, products, g.caller, g.params["encryptedTriggerId"], g.body, now
        )
        sends = repo.mailings(subscription.campaign_id)
        mailing_repo = SqliteMailings(conn, g.caller.account.id)
        mailings.start_passage(mailing_repo, contacts, g.caller.account, subscription, sends)
    return no_content()


@operation("stopCampaign")
def stop_campaign(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        repo, contacts = _repos(conn)
        stopped = campaigns.stop(
            repo, contacts, g.caller, g.params["encryptedCampaignId"], g.body, now
        )
        sends = repo.mailings(stopped.campaign_id)
        mailings.stop_passage(SqliteMailings(conn, g.caller.account.id), stopped, sends)
    return no_content()


@operation("triggerAutomation")
def trigger_automation(**_: str) -> Response:
    with transaction(write=True) as (conn, now):
        result = campaigns.trigger_automation(
            *_repos(conn), g.caller, g.params["triggerCode"], g.body, now
        )
    return answer(result)


@operation("getCampaignMailingHistory")
def campaign_mailing_history(**_: str) -> Response:
    request_page = page_request(HISTORY_PAGE_SIZE)
    with transaction(write=False) as (conn, now):
        items, page = campaigns.history(
            *_repos(conn), g.caller, g.params["externalId"], request_page, now
        )
    return paged(items, page, "campaignMailingHistories")
