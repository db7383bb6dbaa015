"""The audience rules: create, read, change and delete an audience, add and remove its contacts.

An audience is a group of contacts an account keeps for advertising platforms, named by the
caller's ``externalId`` and by a name, both unique in the account. Its members are contacts named
by their value in the ID field linked to the calling Key. Only accounts holding the Automation or
eCommerce product may use these calls (403 NOT_AUTHORIZED otherwise).

The reference answers 417 for the audience's own rules, so these are checked here rather than by
the contract (whose validation answers 400): externalId and name 1 to 255 characters
(INVALID_PARAMS), an externalId in use (ID_NOTUNIQUE), a name in use (NAME_ALREADY_IN_USE), more
than :data:`MAX_AUDIENCES` audiences, and deleting an audience something uses (INVALID_STATE).
A PUT whose body names another audience than its path answers 400 INVALID_PARAMS; an unknown
audience 404 RESOURCE_NOT_FOUND. Adding contacts is all or nothing: unknown contacts answer 404
CONTACT_NOT_FOUND listing them in ``externalContactIds``. Removing ignores contacts that are not
members (or do not exist); without a body it removes every member. Either call takes at most
:data:`MAX_CONTACTS_PER_CALL` contacts (413).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from spotler_sim.domain.model import Account, Caller
from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.errors import SpotlerError

MAX_CONTACTS_PER_CALL = 2500  # the reference's batch limit of both contact calls
MAX_AUDIENCES = 250  # the simulator's choice: the reference has a maximum but does not say it
MAX_TEXT = 255  # characters of an audience's externalId and name
AUDIENCE_LICENCES = ("Automation", "eCommerce")
_SHOWN = 10  # unknown contacts a message names before "and N more"


@dataclass
class StoredAudience:
    external_id: str
    name: str
    description: str | None
    created_ms: int
    changed_ms: int
    last_added_ms: int | None = None
    last_removed_ms: int | None = None
    last_sync_ms: int | None = None  # never set by a call: the simulator syncs with no platform
    in_use_by: str | None = None  # what uses it (fixture only); such an audience is not deleted
    id: int = 0


class AudienceRepo(Protocol):
    """What the audience rules need from storage, for one account."""

    def load(self, external_id: str) -> StoredAudience | None: ...
    def name_taken(self, name: str, except_id: int = 0) -> bool: ...
    def count(self) -> int: ...
    def save(self, audience: StoredAudience) -> None: ...
    def remove(self, audience_id: int) -> None: ...
    def add_members(self, audience_id: int, contact_ids: list[int]) -> int: ...
    def remove_members(self, audience_id: int, contact_ids: list[int] | None) -> int: ...


class ContactLookup(Protocol):
    """Finding many contacts at once by their value in one ID field, or by encrypted id."""

    def by_external_ids(self, field: str, values: list[str]) -> dict[str, int]: ...
    def by_encrypted_id(self, encrypted_id: str) -> int | None: ...


# ---- shared with temporary lists -------------------------------------------------------------


def unknown_contacts(contacts: ContactLookup, field: str, values: list[str]) -> list[str]:
    """The values (in the order given, each once) that no contact has in ``field``."""
    found = contacts.by_external_ids(field, values)
    return [v for v in dict.fromkeys(values) if v not in found]


def contact_ids(contacts: ContactLookup, field: str, values: list[str]) -> list[int]:
    """The contacts these values name (each once), skipping values no contact has."""
    found = contacts.by_external_ids(field, values)
    return list(dict.fromkeys(found[v] for v in values if v in found))


def named(values: list[str]) -> str:
    """Values for a message: the first few, and how many more."""
    shown = ", ".join(repr(v) for v in values[:_SHOWN])
    more = len(values) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def seed_members(
    contacts: ContactLookup, account: Account, raw: dict[str, Any], what: str
) -> list[int]:
    """The contacts a fixture entry lists: ``contacts`` (values in ``idField``, the account's
    first ID field when absent) and ``contactEncryptedIds``."""
    field = raw.get("idField", account.id_fields[0])
    values = list(raw.get("contacts", []))
    missing = [f"{field} = {v!r}" for v in unknown_contacts(contacts, field, values)]
    members = contact_ids(contacts, field, values)
    for encrypted in raw.get("contactEncryptedIds", []):
        contact_id = contacts.by_encrypted_id(encrypted)
        if contact_id is None:
            missing.append(f"encryptedId {encrypted!r}")
        elif contact_id not in members:
            members.append(contact_id)
    if missing:
        raise SpotlerError.invalid_params(
            f"fixture {what} lists the contact with {', '.join(missing)}, which the account "
            f"does not have: add the contact first"
        )
    return members


# ---- rules -----------------------------------------------------------------------------------


def _rule(error_type: str, message: str) -> SpotlerError:
    return SpotlerError(417, error_type, message)


def require_licence(account: Account) -> None:
    if account.licence not in AUDIENCE_LICENCES:
        raise SpotlerError(
            403,
            "NOT_AUTHORIZED",
            f"audiences are part of the Automation and eCommerce products and this account "
            f"holds {account.licence}; upgrade the account (in the simulator: PATCH "
            f'/__admin/accounts/{account.name} with {{"licence": "eCommerce"}})',
        )


def _not_found(external_id: str) -> SpotlerError:
    return SpotlerError.resource_not_found(
        f"audience not found: no audience has externalId {external_id!r} in this account "
        f"(never created, or deleted); POST /audience creates one"
    )


def _check_text(what: str, value: str) -> None:
    if not value.strip():
        raise _rule(
            "INVALID_PARAMS",
            f"audience {what} can not be empty: send 1 to {MAX_TEXT} characters",
        )
    if len(value) > MAX_TEXT:
        raise _rule(
            "INVALID_PARAMS",
            f"audience {what} is {len(value)} characters, more than {MAX_TEXT}: send a "
            f"shorter {what}",
        )


def _check_name_free(repo: AudienceRepo, name: str, except_id: int = 0) -> None:
    if repo.name_taken(name, except_id):
        raise _rule(
            "NAME_ALREADY_IN_USE",
            f"audience name must be unique: another audience is named {name!r}; choose "
            f"another name",
        )


def _batch(body: dict[str, Any] | None) -> list[str] | None:
    if body is None:
        return None
    values: list[str] = body["contacts"]
    if len(values) > MAX_CONTACTS_PER_CALL:
        raise SpotlerError(
            413,
            "INVALID_PARAMS",
            f"{len(values)} contacts in one call: an audience takes at most "
            f"{MAX_CONTACTS_PER_CALL} per call; send them in batches of {MAX_CONTACTS_PER_CALL}",
        )
    return values


def find(repo: AudienceRepo, external_id: str) -> StoredAudience:
    audience = repo.load(external_id)
    if audience is None:
        raise _not_found(external_id)
    return audience


def view(audience: StoredAudience) -> dict[str, Any]:
    """An audience as the API answers it (the contract's ``Audience``)."""

    def moment(ms: int | None) -> str | None:
        return None if ms is None else iso_utc(ms)

    return {
        "externalId": audience.external_id,
        "name": audience.name,
        "description": audience.description,
        "createDate": iso_utc(audience.created_ms),
        "changeDate": iso_utc(audience.changed_ms),
        "lastContactAddedAt": moment(audience.last_added_ms),
        "lastContactRemovedAt": moment(audience.last_removed_ms),
        "lastSyncDate": moment(audience.last_sync_ms),
    }


def insert(
    repo: AudienceRepo, account: Account, body: dict[str, Any], now_ms: int
) -> dict[str, Any]:
    """POST /audience: a new audience without members."""
    require_licence(account)
    external_id, name = body["externalId"], body["name"]
    _check_text("externalId", external_id)
    _check_text("name", name)
    if repo.load(external_id) is not None:
        raise _rule(
            "ID_NOTUNIQUE",
            f"audience externalId must be unique: an audience {external_id!r} exists; "
            f"PUT /audience/{external_id} changes it",
        )
    _check_name_free(repo, name)
    if repo.count() >= MAX_AUDIENCES:
        raise _rule(
            "INVALID_STATE",
            f"maximum of audiences exceeded: the account has {MAX_AUDIENCES}, the most it may "
            f"have; delete one (DELETE /audience/{{externalId}}) first",
        )
    audience = StoredAudience(external_id, name, body.get("description"), now_ms, now_ms)
    repo.save(audience)
    return view(audience)


def get(repo: AudienceRepo, account: Account, external_id: str) -> dict[str, Any]:
    require_licence(account)
    return view(find(repo, external_id))


def update(
    repo: AudienceRepo, account: Account, external_id: str, body: dict[str, Any], now_ms: int
) -> dict[str, Any]:
    """PUT /audience/{externalId}: a new name and description; the dates cannot be changed."""
    require_licence(account)
    if body["externalId"] != external_id:
        raise SpotlerError.invalid_params(
            f"path id doesn't match audience id: the body names {body['externalId']!r}, the "
            f"path {external_id!r}; send the same externalId in both (it cannot be changed)"
        )
    audience = find(repo, external_id)
    _check_text("name", body["name"])
    _check_name_free(repo, body["name"], audience.id)
    audience.name = body["name"]
    audience.description = body.get("description")
    audience.changed_ms = now_ms
    repo.save(audience)
    return view(audience)


def delete(repo: AudienceRepo, account: Account, external_id: str) -> None:
    """DELETE /audience/{externalId}, with its memberships; not while something uses it."""
    require_licence(account)
    audience = find(repo, external_id)
    if audience.in_use_by is not None:
        raise _rule(
            "INVALID_STATE",
            f"cannot delete audience {external_id!r}: it is in use ({audience.in_use_by}); "
            f"stop using it in Spotler first",
        )
    repo.remove(audience.id)


def add_contacts(
    repo: AudienceRepo,
    contacts: ContactLookup,
    caller: Caller,
    external_id: str,
    body: dict[str, Any],
    now_ms: int,
) -> None:
    """POST /audience/{externalId}/contact: every listed contact becomes a member, or none does."""
    require_licence(caller.account)
    values = _batch(body) or []
    audience = find(repo, external_id)
    missing = unknown_contacts(contacts, caller.id_field, values)
    if missing:
        raise SpotlerError(
            404,
            "CONTACT_NOT_FOUND",
            f"contacts not found: no contact has {caller.id_field} = {named(missing)}; none "
            f"was added. Insert them first (POST /contact) or leave them out",
            extra={"externalContactIds": missing},
        )
    if repo.add_members(audience.id, contact_ids(contacts, caller.id_field, values)):
        audience.last_added_ms = now_ms
        repo.save(audience)


def remove_contacts(
    repo: AudienceRepo,
    contacts: ContactLookup,
    caller: Caller,
    external_id: str,
    body: dict[str, Any] | None,
    now_ms: int,
) -> None:
    """DELETE /audience/{externalId}/contact: the listed contacts leave (unknown ones and
    non-members are ignored); without a body every member leaves."""
    require_licence(caller.account)
    values = _batch(body)
    audience = find(repo, external_id)
    members = None if values is None else contact_ids(contacts, caller.id_field, values)
    if repo.remove_members(audience.id, members):
        audience.last_removed_ms = now_ms
        repo.save(audience)


# ---- fixtures and snapshots ------------------------------------------------------------------


def seed(
    repo: AudienceRepo, contacts: ContactLookup, account: Account, raw: dict[str, Any], now_ms: int
) -> None:
    """An audience of a fixture or snapshot (a ``SeedAudience``) with its members and dates."""
    what = f"audience {raw['externalId']!r}"
    if repo.load(raw["externalId"]) is not None:
        raise SpotlerError.invalid_params(
            f"fixture {what} is listed twice: give every audience an externalId of its own"
        )
    if repo.name_taken(raw["name"]):
        raise SpotlerError.invalid_params(
            f"fixture {what} is named {raw['name']!r} like another audience: names are unique"
        )
    if repo.count() >= MAX_AUDIENCES:
        raise SpotlerError.invalid_params(
            f"fixture {what}: an account holds at most {MAX_AUDIENCES} audiences"
        )
    members = seed_members(contacts, account, raw, what)
    created = int(raw.get("created", now_ms))
    audience = StoredAudience(
        external_id=raw["externalId"],
        name=raw["name"],
        description=raw.get("description"),
        created_ms=created,
        changed_ms=int(raw.get("changed", created)),
        last_added_ms=raw.get("lastContactAdded", created if members else None),
        last_removed_ms=raw.get("lastContactRemoved"),
        last_sync_ms=raw.get("lastSync"),
        in_use_by=raw.get("inUseBy"),
    )
    repo.save(audience)
    repo.add_members(audience.id, members)


def seed_view(audience: StoredAudience, members: list[str]) -> dict[str, Any]:
    """An audience as a fixture or snapshot holds it; :func:`seed` reads it back. ``members``
    are the encrypted ids of its contacts."""
    out: dict[str, Any] = {
        "externalId": audience.external_id,
        "name": audience.name,
        "description": audience.description,
        "created": audience.created_ms,
        "changed": audience.changed_ms,
        "lastContactAdded": audience.last_added_ms,
        "lastContactRemoved": audience.last_removed_ms,
        "lastSync": audience.last_sync_ms,
        "contactEncryptedIds": members,
    }
    if audience.in_use_by is not None:
        out["inUseBy"] = audience.in_use_by
    return out
