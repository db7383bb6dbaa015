"""The campaign and automation rules: list, trigger, stop, a campaign's mailings, the contact's
campaign-mailing history, and automation triggers.

Campaigns, their external triggers (encrypted ids) and mailings, and automations with their
trigger codes (UUIDs) are seeded per account by a fixture. Triggering a campaign for a contact
records a *subscription*: the contact's passage through the campaign, numbered per account (the
``campaignSubscriptionId``). Each mailing of the campaign is sent ``delay`` after the contact
entered; a subscription runs until its last mailing is sent or it is stopped, and a stopped one
sends nothing more. Triggering an automation records an entry per automation of the code that
accepts the contact.

The refusals follow the reference: an unknown trigger 404 TRIGGER_NOTFOUND, an unknown campaign
404 CAMPAIGN_NOTFOUND, an unknown contact 400 CONTACT_NOT_FOUND (404 with ``CONTACT_NOTFOUND``
on automation triggers), an unknown product of a product-list field 400 PRODUCT_NOTFOUND, and
the campaign's states (inactive, no message, contact already active or already in it, already
finished, never triggered) 400 INVALID_STATE. An automation code that starts nothing answers 417
with the result of every automation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from spotler_sim.domain.contacts import ContactIds, ContactRepo, find, named_contact, seeded_contact
from spotler_sim.domain.model import Account, Caller
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.domain.products import ProductRepo, require_all
from spotler_sim.domain.timewindows import iso_utc, seed_instant_ms
from spotler_sim.errors import SpotlerError

MINUTE_MS = 60_000


@dataclass(frozen=True)
class Campaign:
    encrypted_id: str
    name: str
    active: bool
    allow_reentry: bool = True
    id: int = 0


@dataclass(frozen=True)
class Trigger:
    encrypted_id: str
    name: str
    campaign_id: int = 0


@dataclass(frozen=True)
class Mailing:
    encrypted_id: str
    name: str
    type: str  # EMAIL | SMS
    delay_ms: int = 0


@dataclass
class Subscription:
    campaign_id: int
    contact_id: int
    trigger: str | None
    fields: list[dict[str, Any]]
    subscribed_ms: int
    stopped_ms: int | None = None
    number: int = 0  # the campaignSubscriptionId; given by the repository when 0


@dataclass(frozen=True)
class Sent:
    """One campaign mailing sent to a contact: a row of the campaign-mailing history, with what
    the contact did with it by then."""

    number: int
    sent_ms: int
    mailing: Mailing
    opened: bool = False
    clicked: bool = False
    bounce: str | None = None


@dataclass(frozen=True)
class Automation:
    automation_id: str  # UUID
    trigger_code: str  # UUID, lower case
    name: str
    active: bool = True
    participation_limit: int | None = None
    id: int = 0


@dataclass
class CampaignSeed:
    """A campaign as a fixture holds it, ready to store."""

    campaign: Campaign
    triggers: list[Trigger] = field(default_factory=list)
    mailings: list[Mailing] = field(default_factory=list)


class CampaignRepo(Protocol):
    """What the campaign and automation rules need from storage, for one account."""

    def campaigns(self) -> list[Campaign]: ...
    def triggers(self) -> list[Trigger]: ...
    def campaign(self, encrypted_id: str) -> Campaign | None: ...
    def campaign_by_id(self, campaign_id: int) -> Campaign | None: ...
    def trigger(self, encrypted_id: str) -> Trigger | None: ...
    def mailings(self, campaign_id: int) -> list[Mailing]: ...
    def encrypted_ids(self) -> set[str]: ...
    def add_campaign(self, seed: CampaignSeed) -> int: ...
    def latest_subscription(self, campaign_id: int, contact_id: int) -> Subscription | None: ...
    def has_subscription(self, number: int) -> bool: ...
    def save_subscription(self, subscription: Subscription) -> None: ...
    def sent(self, contact_id: int, now_ms: int, offset: int, limit: int) -> list[Sent]: ...
    def automations(self, trigger_code: str) -> list[Automation]: ...
    def has_automation(self, automation_id: str) -> bool: ...
    def add_automation(self, automation: Automation) -> int: ...
    def entries(self, automation_id: int, contact_id: int) -> int: ...
    def add_entry(self, automation_id: int, contact_id: int, at_ms: int) -> None: ...


def _state(message: str) -> SpotlerError:
    return SpotlerError(400, "INVALID_STATE", message)


def _campaign_not_found(encrypted_id: str) -> SpotlerError:
    return SpotlerError(
        404,
        "CAMPAIGN_NOTFOUND",
        f"no campaign has encryptedId {encrypted_id!r} in this account; GET /campaign/list "
        f"names the campaigns and their triggers",
    )


# ---- campaigns -------------------------------------------------------------------------------


def listing(repo: CampaignRepo) -> list[dict[str, Any]]:
    """GET /campaign/list: every campaign (active or not) with its external triggers."""
    by_campaign: dict[int, list[dict[str, Any]]] = {}
    for trigger in repo.triggers():
        by_campaign.setdefault(trigger.campaign_id, []).append(
            {"encryptedId": trigger.encrypted_id, "name": trigger.name}
        )
    return [
        {
            "encryptedId": c.encrypted_id,
            "name": c.name,
            "active": c.active,
            "triggers": by_campaign.get(c.id, []),
        }
        for c in repo.campaigns()
    ]


def mailing_view(mailing: Mailing) -> dict[str, Any]:
    return {"encryptedId": mailing.encrypted_id, "name": mailing.name, "type": mailing.type}


def mailings(repo: CampaignRepo, encrypted_campaign_id: str) -> list[dict[str, Any]]:
    """GET /campaign/{encryptedCampaignId}/mailing: the mailings the campaign sends, in order."""
    campaign = repo.campaign(encrypted_campaign_id)
    if campaign is None:
        raise _campaign_not_found(encrypted_campaign_id)
    return [mailing_view(m) for m in repo.mailings(campaign.id)]


def _end_ms(subscription: Subscription, sends: list[Mailing]) -> int:
    """When a subscription is over: stopped, or its last mailing sent."""
    last = subscription.subscribed_ms + max((m.delay_ms for m in sends), default=0)
    return last if subscription.stopped_ms is None else min(last, subscription.stopped_ms)


def _fields(products: ProductRepo, sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The campaign fields as stored: a type on each, product lists naming known products."""
    out = []
    for raw in sent:
        kind = raw.get("type", "STRING")
        if kind == "PRODUCTLIST":
            values = list(raw.get("values", []))
            require_all(products, values)
            out.append({"name": raw["name"], "type": kind, "values": values})
        else:
            out.append({"name": raw["name"], "type": kind, "value": raw.get("value", "")})
    return out


def trigger(
    repo: CampaignRepo,
    contacts: ContactIds,
    products: ProductRepo,
    caller: Caller,
    encrypted_trigger_id: str,
    body: dict[str, Any],
    now_ms: int,
) -> Subscription:
    """POST /campaign/trigger/{encryptedTriggerId}: the contact enters the trigger's campaign;
    the subscription recorded (``domain.mailings.start_passage`` records what it sends)."""
    found = repo.trigger(encrypted_trigger_id)
    campaign = repo.campaign_by_id(found.campaign_id) if found is not None else None
    if found is None or campaign is None:
        raise SpotlerError(
            404,
            "TRIGGER_NOTFOUND",
            f"no campaign trigger has encryptedId {encrypted_trigger_id!r} in this account; "
            f"the path takes a trigger's encryptedId (triggers[].encryptedId of GET "
            f"/campaign/list), not the campaign's",
        )
    external_id = body["externalContactId"]
    contact_id = named_contact(contacts, caller.id_field, external_id, status=400)
    fields = _fields(products, body.get("campaignFields", []))
    if not campaign.active:
        raise _state(
            f"campaign inactive: {campaign.name!r} takes no new contacts; use a trigger of an "
            f"active campaign (GET /campaign/list shows which are active)"
        )
    sends = repo.mailings(campaign.id)
    if not sends:
        raise _state(
            f"campaign missing message: {campaign.name!r} has no mailing to send; add one to the "
            f"campaign before triggering it"
        )
    previous = repo.latest_subscription(campaign.id, contact_id)
    if previous is not None and _end_ms(previous, sends) > now_ms:
        raise _state(
            f"contact already active in campaign: {external_id!r} is in {campaign.name!r} since "
            f"{iso_utc(previous.subscribed_ms)}; stop it first (POST /campaign/"
            f"{campaign.encrypted_id}/stop) or wait until its last mailing is sent"
        )
    if previous is not None and not campaign.allow_reentry:
        raise _state(
            f"contact already in campaign: {external_id!r} went through {campaign.name!r} "
            f"before, and this campaign lets a contact in only once"
        )
    subscription = Subscription(campaign.id, contact_id, encrypted_trigger_id, fields, now_ms)
    repo.save_subscription(subscription)
    return subscription


def stop(
    repo: CampaignRepo,
    contacts: ContactIds,
    caller: Caller,
    encrypted_campaign_id: str,
    body: dict[str, Any],
    now_ms: int,
) -> Subscription:
    """POST /campaign/{encryptedCampaignId}/stop: the contact's passage ends; nothing more is
    sent to it by this campaign (``domain.mailings.stop_passage`` takes back what was due)."""
    campaign = repo.campaign(encrypted_campaign_id)
    if campaign is None:
        raise _campaign_not_found(encrypted_campaign_id)
    external_id = body["externalContactId"]
    contact_id = named_contact(contacts, caller.id_field, external_id, status=400)
    current = repo.latest_subscription(campaign.id, contact_id)
    if current is None:
        raise _state(
            f"campaign not triggered: {external_id!r} never entered {campaign.name!r}; "
            f"POST /campaign/trigger/{{encryptedTriggerId}} puts a contact in"
        )
    if _end_ms(current, repo.mailings(campaign.id)) <= now_ms:
        raise _state(
            f"campaign already finished for {external_id!r} in {campaign.name!r} (stopped or "
            f"every mailing sent); there is nothing to stop"
        )
    current.stopped_ms = now_ms
    repo.save_subscription(current)
    return current


def history(
    repo: CampaignRepo,
    contacts: ContactRepo,
    caller: Caller,
    external_id: str,
    request: PageRequest,
    now_ms: int,
) -> tuple[list[dict[str, Any]], Page]:
    """GET /contact/{externalId}/campaign-mailings: the campaign mailings sent to the contact so
    far (not those a stop cut off), oldest subscription first, 50 per page, each with whether it
    was opened, clicked or bounced by now."""
    contact = find(contacts, caller, external_id)
    page = Page.cut(repo.sent(contact.id, now_ms, request.after, request.fetch), request)
    items = []
    for row in page.items:
        item: dict[str, Any] = {
            "campaignMailing": mailing_view(row.mailing),
            "campaignSubscriptionId": row.number,
            "sentDate": iso_utc(row.sent_ms),
            "opened": row.opened,
            "clicked": row.clicked,
        }
        if row.bounce is not None:
            item["bounce"] = row.bounce
        items.append(item)
    return items, page


# ---- automations -----------------------------------------------------------------------------


def trigger_automation(
    repo: CampaignRepo,
    contacts: ContactIds,
    caller: Caller,
    trigger_code: str,
    body: dict[str, Any],
    now_ms: int,
) -> dict[str, Any]:
    """POST /automation/trigger/{triggerCode}: every active automation of the code that still
    accepts the contact starts for it; 417 when none does."""
    started = repo.automations(trigger_code.lower())
    if not started:
        raise SpotlerError(
            404,
            "TRIGGER_NOTFOUND",
            f"no automation has the external trigger code {trigger_code!r} in this account; "
            f"copy the code from the automation's external trigger",
            extra={"result": "TRIGGER_NOTFOUND"},
        )
    external_id = body["externalContactId"]
    contact_id = contacts.by_external_id(caller.id_field, external_id)
    if contact_id is None:
        error = SpotlerError.contact_not_found(caller.id_field, external_id)
        error.extra = {"result": "CONTACT_NOTFOUND"}
        raise error
    results = []
    for automation in started:
        if not automation.active:
            outcome = "AUTOMATION_INACTIVE"
        elif (
            automation.participation_limit is not None
            and repo.entries(automation.id, contact_id) >= automation.participation_limit
        ):
            outcome = "PARTICIPATION_LIMIT_REACHED"
        else:
            outcome = "OK"
            repo.add_entry(automation.id, contact_id, now_ms)
        results.append({"automationId": automation.automation_id, "result": outcome})
    if all(r["result"] != "OK" for r in results):
        raise SpotlerError(
            417,
            "INVALID_STATE",
            f"no automation started for {external_id!r}: automationResults says why for each "
            f"(an inactive automation must be activated, a reached limit lets the contact in "
            f"no more)",
            extra={"result": "NOT_TRIGGERED", "automationResults": results},
        )
    return {"result": "OK", "automationResults": results}


# ---- fixtures and snapshots ------------------------------------------------------------------


def seed_campaign(
    repo: CampaignRepo, contacts: ContactIds, account: Account, raw: dict[str, Any], now_ms: int
) -> None:
    """A campaign of a fixture or snapshot (a ``SeedCampaign``) with its subscriptions."""
    names = [
        raw["encryptedId"],
        *(t["encryptedId"] for t in raw.get("triggers", [])),
        *(m["encryptedId"] for m in raw.get("mailings", [])),
    ]
    clash = sorted((set(names) & repo.encrypted_ids()) | {n for n in names if names.count(n) > 1})
    if clash:
        raise SpotlerError.invalid_params(
            f"fixture campaign {raw['name']!r}: encryptedId {', '.join(clash)} is used twice; "
            f"give every campaign, trigger and mailing an encryptedId of its own"
        )
    campaign_id = repo.add_campaign(
        CampaignSeed(
            Campaign(
                raw["encryptedId"],
                raw["name"],
                bool(raw.get("active", True)),
                bool(raw.get("allowReentry", True)),
            ),
            [Trigger(t["encryptedId"], t["name"]) for t in raw.get("triggers", [])],
            [
                Mailing(
                    m["encryptedId"],
                    m["name"],
                    m.get("type", "EMAIL"),
                    int(m.get("delayMinutes", 0)) * MINUTE_MS,
                )
                for m in raw.get("mailings", [])
            ],
        )
    )
    for sub in raw.get("subscriptions", []):
        subscribed = seed_instant_ms(sub.get("subscribed"), now_ms, name="subscribed")
        number = int(sub.get("campaignSubscriptionId", 0))
        if number and repo.has_subscription(number):
            raise SpotlerError.invalid_params(
                f"fixture campaign {raw['name']!r}: campaignSubscriptionId {number} is used "
                f"twice in the account; leave it out and one is given"
            )
        repo.save_subscription(
            Subscription(
                campaign_id=campaign_id,
                contact_id=seeded_contact(contacts, account, sub, "fixture campaign subscription"),
                trigger=sub.get("trigger"),
                fields=list(sub.get("campaignFields", [])),
                subscribed_ms=subscribed,
                stopped_ms=seed_instant_ms(sub["stopped"], 0, name="stopped")
                if sub.get("stopped") is not None
                else None,
                number=number,
            )
        )


def seed_automation(
    repo: CampaignRepo, contacts: ContactIds, account: Account, raw: dict[str, Any], now_ms: int
) -> None:
    """An automation of a fixture or snapshot (a ``SeedAutomation``) with its entries."""
    if repo.has_automation(raw["id"].lower()):
        raise SpotlerError.invalid_params(
            f"fixture automation {raw['name']!r}: id {raw['id']!r} is used twice; give every "
            f"automation an id of its own (several may share a triggerCode)"
        )
    automation_id = repo.add_automation(
        Automation(
            automation_id=raw["id"].lower(),
            trigger_code=raw["triggerCode"].lower(),
            name=raw["name"],
            active=bool(raw.get("active", True)),
            participation_limit=raw.get("participationLimit"),
        )
    )
    for entry in raw.get("entries", []):
        contact_id = seeded_contact(contacts, account, entry, "fixture automation entry")
        repo.add_entry(
            automation_id, contact_id, seed_instant_ms(entry.get("entered"), now_ms, name="entered")
        )


def campaign_seed_view(
    seed: CampaignSeed, subscriptions: list[Subscription], encrypted: dict[int, str]
) -> dict[str, Any]:
    """A campaign as a fixture or snapshot holds it; :func:`seed_campaign` reads it back."""
    campaign = seed.campaign
    subs = []
    for sub in subscriptions:
        entry: dict[str, Any] = {
            "campaignSubscriptionId": sub.number,
            "contactEncryptedId": encrypted[sub.contact_id],
            "subscribed": sub.subscribed_ms,
            "campaignFields": sub.fields,
        }
        if sub.trigger is not None:
            entry["trigger"] = sub.trigger
        if sub.stopped_ms is not None:
            entry["stopped"] = sub.stopped_ms
        subs.append(entry)
    return {
        "encryptedId": campaign.encrypted_id,
        "name": campaign.name,
        "active": campaign.active,
        "allowReentry": campaign.allow_reentry,
        "triggers": [{"encryptedId": t.encrypted_id, "name": t.name} for t in seed.triggers],
        "mailings": [
            {**mailing_view(m), "delayMinutes": m.delay_ms // MINUTE_MS} for m in seed.mailings
        ],
        "subscriptions": subs,
    }


def automation_seed_view(
    automation: Automation, entries: list[tuple[int, int]], encrypted: dict[int, str]
) -> dict[str, Any]:
    """An automation as a fixture or snapshot holds it, with its entries (contact, when)."""
    out: dict[str, Any] = {
        "id": automation.automation_id,
        "name": automation.name,
        "triggerCode": automation.trigger_code,
        "active": automation.active,
        "entries": [
            {"contactEncryptedId": encrypted[contact_id], "entered": at_ms}
            for contact_id, at_ms in entries
        ],
    }
    if automation.participation_limit is not None:
        out["participationLimit"] = automation.participation_limit
    return out
