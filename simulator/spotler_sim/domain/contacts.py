"""The contact rules: insert/upsert with dedup, update, read, anonymize, search, time windows.

``externalId`` always means the value of the ID field linked to the calling authentication.
Request bodies reach these functions already validated against the contract.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from spotler_sim.domain import properties as props
from spotler_sim.domain.dedup import IdentityLookup, find_match
from spotler_sim.domain.lag import visible_at
from spotler_sim.domain.model import CALLER_ID, Account, Caller
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.domain.timewindows import Window
from spotler_sim.errors import SpotlerError

BATCH_CODES = {
    "INVALID_PROPERTY": "PROPERTY_INVALID",
    "CONTACT_ALREADY_EXISTS": "CONTACT_ALREADY_EXISTS",
}


@dataclass
class StoredContact:
    id: int
    encrypted_id: str
    created_ms: int
    changed_ms: int
    listed_ms: int | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    channels: list[dict[str, Any]] | None = None
    test_group: bool = False
    anonymized: bool = False
    ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def unsaved(cls, now_ms: int) -> StoredContact:
        """A new contact not written yet: ``ContactRepo.insert`` gives it its ids."""
        return cls(id=0, encrypted_id="", created_ms=now_ms, changed_ms=now_ms)


@dataclass(frozen=True)
class Bounce:
    type: str
    date_ms: int
    mailing: str | None
    contact: StoredContact


class ContactRepo(IdentityLookup, Protocol):
    """What the contact rules need from storage, for one account."""

    def atomic(self) -> AbstractContextManager[None]: ...
    def load(self, contact_id: int) -> StoredContact | None: ...
    def load_by_external_id(self, field: str, value: str) -> StoredContact | None: ...
    def insert(self, contact: StoredContact, email_key: str | None) -> None: ...
    def save(self, contact: StoredContact, email_key: str | None) -> None: ...
    def set_external_id(self, contact_id: int, field: str, value: str) -> int | None: ...
    def record_change(self, contact_id: int, changed_ms: int, visible_ms: int) -> None: ...
    def promote_visible(self, now_ms: int) -> None: ...
    def changed_between(self, window: Window, offset: int, limit: int) -> list[StoredContact]: ...
    def with_property(
        self, name: str, value: Any, offset: int, limit: int
    ) -> list[StoredContact]: ...
    def add_bounce(
        self, contact_id: int, kind: str, date_ms: int, visible_ms: int, mailing: str | None
    ) -> None: ...
    def bounces_between(
        self, window: Window, now_ms: int, offset: int, limit: int
    ) -> list[Bounce]: ...


# ---- reading -------------------------------------------------------------------------------


def channels(contact: StoredContact) -> list[dict[str, Any]]:
    """Stored channels, or the e-mail channel active when the contact has an address."""
    if contact.channels is not None:
        return contact.channels
    has_email = bool(contact.properties.get("email")) and not contact.anonymized
    return [{"name": "EMAIL", "value": has_email}]


def view(
    account: Account, id_field: str, contact: StoredContact, *, listed: bool = False
) -> dict[str, Any]:
    """A contact as the API shows it to a caller linked to ``id_field``.

    Timestamps are epoch milliseconds, as public clients observe. In the updates list,
    ``lastChanged`` is the change that list can see, which lags behind direct reads.
    """
    last = contact.listed_ms if listed and contact.listed_ms is not None else contact.changed_ms
    return {
        "externalId": contact.ids.get(id_field),
        "encryptedId": contact.encrypted_id,
        "created": contact.created_ms,
        "lastChanged": last,
        "testGroup": contact.test_group,
        "temporary": False,
        "properties": props.render(account, contact.properties),
        "channels": channels(contact),
    }


class ContactIds(Protocol):
    """Finding a contact another resource names: by its value in an ID field, or encryptedId."""

    def by_external_id(self, field: str, value: str) -> int | None: ...
    def by_encrypted_id(self, encrypted_id: str) -> int | None: ...


def named_contact(contacts: ContactIds, field: str, external_id: str, *, status: int = 404) -> int:
    """The contact a call names by its value in ``field``; CONTACT_NOT_FOUND (with ``status``:
    400 where the reference lists it among a write's bad parameters) when there is none."""
    contact_id = contacts.by_external_id(field, external_id)
    if contact_id is None:
        raise SpotlerError.contact_not_found(field, external_id, status=status)
    return contact_id


def seeded_contact(contacts: ContactIds, account: Account, raw: dict[str, Any], what: str) -> int:
    """The contact a fixture or snapshot entry names: ``contactEncryptedId``, or
    ``externalContactId`` in ``idField`` (the account's first ID field when absent)."""
    if "contactEncryptedId" in raw:
        contact_id = contacts.by_encrypted_id(raw["contactEncryptedId"])
        named = f"contactEncryptedId {raw['contactEncryptedId']!r}"
    elif "externalContactId" in raw:
        field_name = raw.get("idField", account.id_fields[0])
        contact_id = contacts.by_external_id(field_name, raw["externalContactId"])
        named = f"{field_name} = {raw['externalContactId']!r}"
    else:
        raise SpotlerError.invalid_params(
            f"{what}: name the contact by contactEncryptedId or externalContactId"
        )
    if contact_id is None:
        raise SpotlerError.invalid_params(
            f"{what} names the contact with {named}, which the account does not have: add the "
            f"contact first"
        )
    return contact_id


def find(repo: ContactRepo, caller: Caller, external_id: str) -> StoredContact:
    contact = repo.load_by_external_id(caller.id_field, external_id)
    if contact is None:
        raise SpotlerError.contact_not_found(caller.id_field, external_id)
    return contact


def get(repo: ContactRepo, caller: Caller, external_id: str) -> dict[str, Any]:
    return view(caller.account, caller.id_field, find(repo, caller, external_id))


def properties_list(caller: Caller) -> list[dict[str, Any]]:
    return [prop.to_json() for prop in caller.account.properties]


# ---- writing -------------------------------------------------------------------------------


def _touch(repo: ContactRepo, account: Account, contact_id: int, now_ms: int) -> None:
    repo.record_change(contact_id, now_ms, visible_at(account.lag, now_ms, account.id, contact_id))


def _apply(
    repo: ContactRepo,
    caller: Caller,
    contact: StoredContact,
    incoming: dict[str, Any],
    *,
    purge: bool,
) -> None:
    _merge(caller, contact, incoming, purge=purge)
    repo.save(contact, props.email_key(contact.properties))


def _merge(
    caller: Caller, contact: StoredContact, incoming: dict[str, Any], *, purge: bool
) -> None:
    """What a write sends, merged into the contact (in memory)."""
    contact.properties = props.merge(
        caller.account, contact.properties, incoming.get("properties") or {}, purge=purge
    )
    if "testGroup" in incoming:
        contact.test_group = bool(incoming["testGroup"])
    if incoming.get("channels"):
        merged = {c["name"]: c for c in channels(contact)}
        merged.update(
            {c["name"]: {"name": c["name"], "value": c["value"]} for c in incoming["channels"]}
        )
        contact.channels = list(merged.values())


def upsert(
    repo: ContactRepo,
    caller: Caller,
    incoming: dict[str, Any],
    *,
    update: bool,
    purge: bool,
    now_ms: int,
) -> int:
    """POST /contact: find the existing contact by the dedup rules, or create one; its id.

    With ``update`` false an existing contact is refused (CONTACT_ALREADY_EXISTS). The caller's
    ID field is set to the sent externalId, moving it from any contact that held it before.
    """
    external_id = str(incoming["externalId"]) if incoming.get("externalId") else None
    sent = incoming.get("properties") or {}
    # Check the values before the e-mail address takes part in matching.
    props.merge(caller.account, {}, sent, purge=True)
    match = find_match(
        repo, caller.account.dedup_rules, caller.id_field, external_id, props.email_key(sent)
    )
    if match is None:
        contact = StoredContact.unsaved(now_ms)
        _merge(caller, contact, incoming, purge=purge)
        repo.insert(contact, props.email_key(contact.properties))  # gives it its id
    elif not update:
        how = " and ".join(caller.id_field if f == CALLER_ID else f for f in match[1])
        raise SpotlerError.contact_already_exists(f"matched on {how}")
    else:
        loaded = repo.load(match[0])
        assert loaded is not None
        contact = loaded
        _apply(repo, caller, contact, incoming, purge=purge)
    if external_id is not None:  # absent only for a subscription by e-mail address
        previous = repo.set_external_id(contact.id, caller.id_field, external_id)
        if previous is not None and previous != contact.id:
            _touch(repo, caller.account, previous, now_ms)
    _touch(repo, caller.account, contact.id, now_ms)
    return contact.id


def subscribe(repo: ContactRepo, caller: Caller, incoming: dict[str, Any], now_ms: int) -> None:
    """POST /subscription/subscribe: the body is a bare contact, inserted or updated as an
    upsert; without an externalId the e-mail address is what finds the contact."""
    if not incoming.get("externalId") and props.email_key(incoming.get("properties") or {}) is None:
        raise SpotlerError.invalid_params(
            "a subscription names who subscribes: send an externalId or an email property"
        )
    upsert(repo, caller, incoming, update=True, purge=False, now_ms=now_ms)


def update(
    repo: ContactRepo, caller: Caller, external_id: str, body: dict[str, Any], now_ms: int
) -> None:
    """PUT /contact/{externalId}: change an existing contact (404 when there is none)."""
    incoming = body["contact"]
    if str(incoming["externalId"]) != external_id:
        raise SpotlerError.invalid_params(
            f"contact.externalId {incoming['externalId']!r} differs from {external_id!r} in the "
            f"path: send the same value in both"
        )
    contact = find(repo, caller, external_id)
    _apply(repo, caller, contact, incoming, purge=bool(body.get("purge", False)))
    _touch(repo, caller.account, contact.id, now_ms)


def insert_batch(
    repo: ContactRepo, caller: Caller, body: dict[str, Any], now_ms: int
) -> list[dict[str, Any]]:
    """POST /contact/list: each contact on its own, one result code each."""
    results = []
    for incoming in body["contacts"]:
        code, message = "OK", "contact saved"
        try:
            with repo.atomic():
                upsert(
                    repo,
                    caller,
                    incoming,
                    update=bool(body.get("update", False)),
                    purge=bool(body.get("purge", False)),
                    now_ms=now_ms,
                )
        except SpotlerError as refusal:
            code, message = BATCH_CODES.get(refusal.error_type, "ERROR"), refusal.message
        results.append(
            {"externalId": str(incoming["externalId"]), "code": code, "message": message}
        )
    return results


def anonymize(repo: ContactRepo, caller: Caller, external_id: str, now_ms: int) -> None:
    """Remove every personal value; the contact and its external IDs stay for statistics."""
    contact = find(repo, caller, external_id)
    contact.properties = {}
    contact.anonymized = True
    contact.channels = [{**c, "value": False} for c in channels(contact)]
    repo.save(contact, None)
    _touch(repo, caller.account, contact.id, now_ms)


def inactivate(repo: ContactRepo, caller: Caller, external_id: str, now_ms: int) -> None:
    """The undocumented PUT /contact/inactivate/{externalId}: every set option off."""
    contact = find(repo, caller, external_id)
    for prop in caller.account.properties:
        if prop.type == "set":
            contact.properties[prop.name] = []
    repo.save(contact, props.email_key(contact.properties))
    _touch(repo, caller.account, contact.id, now_ms)


# ---- lists ---------------------------------------------------------------------------------


def search(
    repo: ContactRepo, caller: Caller, query: str, page: PageRequest
) -> tuple[list[dict[str, Any]], Page]:
    """``MPSearchQuery=<property>=<value>``; ``externalId`` means the caller's ID field."""
    name, sep, value = query.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name:
        raise SpotlerError.invalid_params(
            f"MPSearchQuery {query!r} is not of the form property=value, e.g. email=jan@example.com"
        )
    if name == CALLER_ID or name == caller.id_field:
        hit = repo.load_by_external_id(caller.id_field, value)
        found = [hit] if hit is not None else []
        rows = found[page.after : page.after + page.fetch]
    elif name == "email":
        ids = repo.by_email(value.lower())[page.after : page.after + page.fetch]
        rows = [c for c in (repo.load(i) for i in ids) if c is not None]
    else:
        prop = caller.account.property(name)
        if prop is None or prop.type == "set":
            raise SpotlerError.invalid_params(
                f"MPSearchQuery names {name!r}, which is not a searchable property of this account: "
                f"use email, externalId or a property from GET /contact/properties/list"
            )
        props.check_value(prop, value)
        rows = repo.with_property(name, props.canonical(prop, value), page.after, page.fetch)
    result = Page.cut(rows, page)
    return [view(caller.account, caller.id_field, c) for c in result.items], result


def updated(
    repo: ContactRepo, caller: Caller, window: Window, page: PageRequest, now_ms: int
) -> tuple[list[dict[str, Any]], Page]:
    """Contacts whose latest visible change falls in the window, oldest change first."""
    repo.promote_visible(now_ms)
    result = Page.cut(repo.changed_between(window, page.after, page.fetch), page)
    items = [view(caller.account, caller.id_field, c, listed=True) for c in result.items]
    return items, result


def bounced(
    repo: ContactRepo, caller: Caller, window: Window, page: PageRequest, now_ms: int
) -> tuple[list[dict[str, Any]], Page]:
    """Bounces whose time falls in the window and that are visible by now."""
    result = Page.cut(repo.bounces_between(window, now_ms, page.after, page.fetch), page)
    items = []
    for bounce in result.items:
        entry: dict[str, Any] = {
            "date": bounce.date_ms,
            "type": bounce.type,
            "contact": view(caller.account, caller.id_field, bounce.contact),
        }
        if bounce.mailing:
            entry["encryptedActId"] = bounce.mailing
        items.append(entry)
    return items, result


def record_bounce(
    repo: ContactRepo,
    account: Account,
    contact_id: int,
    kind: str,
    date_ms: int,
    mailing: str | None = None,
) -> None:
    """A bounce happened at ``date_ms``; it shows in the bounces list after the account's lag."""
    repo.add_bounce(
        contact_id, kind, date_ms, visible_at(account.lag, date_ms, "bounce", contact_id), mailing
    )
