"""Handlers of the campaign and automation operations, and of the contact's campaign-mailing
history: one transaction each around a call of the domain."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import answer, no_content, operation, page_request, paged
from spotler_sim.domain import campaigns, mailings
from spotler_sim.domain.paging import HISTORY_PAGE_SIZE
from spotler_sim.http.context import Call


@operation("externalCampaignTriggers")
def list_campaigns(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        return answer(campaigns.listing(store.campaigns))


@operation("getCampaignMailings")
def campaign_mailings(call: Call) -> Response:
    with call.store(write=False) as (store, _now):
        return answer(campaigns.mailings(store.campaigns, call.params["encryptedCampaignId"]))


@operation("triggerCampaign")
def trigger_campaign(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        subscription = campaigns.trigger(
            store.campaigns,
            store.contacts,
            store.products,
            call.caller,
            call.params["encryptedTriggerId"],
            call.body,
            now,
        )
        sends = store.campaigns.mailings(subscription.campaign_id)
        mailings.start_passage(
            store.mailings, store.contacts, call.caller.account, subscription, sends
        )
    return no_content()


@operation("stopCampaign")
def stop_campaign(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        stopped = campaigns.stop(
            store.campaigns,
            store.contacts,
            call.caller,
            call.params["encryptedCampaignId"],
            call.body,
            now,
        )
        sends = store.campaigns.mailings(stopped.campaign_id)
        mailings.stop_passage(store.mailings, stopped, sends)
    return no_content()


@operation("triggerAutomation")
def trigger_automation(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        result = campaigns.trigger_automation(
            store.campaigns, store.contacts, call.caller, call.params["triggerCode"], call.body, now
        )
    return answer(result)


@operation("getCampaignMailingHistory")
def campaign_mailing_history(call: Call) -> Response:
    request_page = page_request(call, HISTORY_PAGE_SIZE)
    with call.store(write=False) as (store, now):
        items, page = campaigns.history(
            store.campaigns,
            store.contacts,
            call.caller,
            call.params["externalId"],
            request_page,
            now,
        )
    return paged(items, page, "campaignMailingHistories")
