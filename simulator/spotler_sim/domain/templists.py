"""The temporary-list rules: create a list (optionally with contacts), list them, add contacts,
delete one.

A temporary list is a set of existing contacts a mailing can be sent to. The API creates lists of
type ``API`` named by the caller's ``externalTemporaryListId``; lists Spotler makes itself
(``IMPORT``, ``RESPONSE``, ``SPLIT``) are seeded by a fixture and may have no external id. Names
and external ids are unique in the account. Contacts are named by their value in the ID field
linked to the calling Key, and every call that names contacts is all or nothing.

The refusals follow the reference, all 400 except an unknown list: an externalTemporaryListId in
use (ID_NOTUNIQUE), a name in use (NAME_ALREADY_IN_USE), more than :data:`MAX_TEMPORARY_LISTS`
lists (INVALID_STATE), unknown contacts (CONTACT_NOT_FOUND; no list is created, no contact is
added), deleting a list something uses (INVALID_STATE), an unknown list (404 RESOURCE_NOT_FOUND).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from spotler_sim.domain.audiences import (
    ContactLookup,
    contact_ids,
    named,
    seed_members,
    unknown_contacts,
)
from spotler_sim.domain.model import Account, Caller
from spotler_sim.domain.timewindows import iso_utc
from spotler_sim.errors import SpotlerError

MAX_TEMPORARY_LISTS = 100  # the simulator's choice: the reference refuses "too many" unstated
API_TYPE = "API"  # the type of every list the API creates


@dataclass
class TemporaryList:
    external_id: str | None  # None for a list Spotler made itself
    name: str
    type: str  # IMPORT | RESPONSE | API | SPLIT
    created_ms: int
    in_use_by: str | None = None  # what uses it (fixture only); such a list is not deleted
    id: int = 0


class TemporaryListRepo(Protocol):
    """What the temporary-list rules need from storage, for one account."""

    def load(self, external_id: str) -> TemporaryList | None: ...
    def name_taken(self, name: str) -> bool: ...
    def count(self) -> int: ...
    def add(self, temporary_list: TemporaryList) -> None: ...
    def every(self) -> list[TemporaryList]: ...
    def remove(self, list_id: int) -> None: ...
    def add_members(self, list_id: int, contact_ids: list[int]) -> int: ...


def _bad(error_type: str, message: str) -> SpotlerError:
    return SpotlerError(400, error_type, message)


def _not_found(external_id: str) -> SpotlerError:
    return SpotlerError.resource_not_found(
        f"templist not found: no temporary list has externalTemporaryListId {external_id!r} "
        f"in this account (never created, or deleted); GET /templist lists them"
    )


def _members(contacts: ContactLookup, caller: Caller, values: list[str], outcome: str) -> list[int]:
    missing = unknown_contacts(contacts, caller.id_field, values)
    if missing:
        raise _bad(
            "CONTACT_NOT_FOUND",
            f"one or more contacts could not be found: no contact has {caller.id_field} = "
            f"{named(missing)}; {outcome}. Insert them first (POST /contact) or leave them out",
        )
    return contact_ids(contacts, caller.id_field, values)


def view(temporary_list: TemporaryList) -> dict[str, Any]:
    """A temporary list as the API answers it (the contract's ``TemporaryList``)."""
    out: dict[str, Any] = {
        "name": temporary_list.name,
        "createdAt": iso_utc(temporary_list.created_ms),
        "type": temporary_list.type,
    }
    if temporary_list.external_id is not None:
        out = {"externalTemporaryListId": temporary_list.external_id, **out}
    return out


def listing(repo: TemporaryListRepo) -> list[dict[str, Any]]:
    """GET /templist: every temporary list of the account, oldest first."""
    return [view(t) for t in repo.every()]


def create(
    repo: TemporaryListRepo,
    contacts: ContactLookup,
    caller: Caller,
    body: dict[str, Any],
    now_ms: int,
) -> None:
    """POST /templist: a new list of type API with the contacts listed, if any."""
    external_id, name = body["externalTemporaryListId"], body["name"]
    if repo.load(external_id) is not None:
        raise SpotlerError.id_not_unique(
            "temporary list",
            external_id,
            f"add contacts to it with POST /templist/{external_id}, or choose another id",
        )
    if repo.name_taken(name):
        raise _bad(
            "NAME_ALREADY_IN_USE",
            f"a temporary list named {name!r} exists already: choose another name",
        )
    if repo.count() >= MAX_TEMPORARY_LISTS:
        raise _bad(
            "INVALID_STATE",
            f"too many temporary lists: the account has {MAX_TEMPORARY_LISTS}, the most it may "
            f"have; delete one (DELETE /templist/{{externalTemporaryListId}}) first",
        )
    members = _members(contacts, caller, body.get("contacts", []), "no templist was created")
    temporary_list = TemporaryList(external_id, name, API_TYPE, now_ms)
    repo.add(temporary_list)
    repo.add_members(temporary_list.id, members)


def add_contacts(
    repo: TemporaryListRepo,
    contacts: ContactLookup,
    caller: Caller,
    external_id: str,
    body: dict[str, Any],
) -> None:
    """POST /templist/{externalTemporaryListId}: every listed contact joins, or none does."""
    temporary_list = repo.load(external_id)
    if temporary_list is None:
        raise _not_found(external_id)
    members = _members(contacts, caller, body["contacts"], "none was added")
    repo.add_members(temporary_list.id, members)


def delete(repo: TemporaryListRepo, external_id: str) -> None:
    """DELETE /templist/{externalTemporaryListId}, with its memberships; not while in use."""
    temporary_list = repo.load(external_id)
    if temporary_list is None:
        raise _not_found(external_id)
    if temporary_list.in_use_by is not None:
        raise _bad(
            "INVALID_STATE",
            f"temporary list {external_id!r} is in use ({temporary_list.in_use_by}) and cannot "
            f"be deleted; delete it once that is over",
        )
    repo.remove(temporary_list.id)


# ---- fixtures and snapshots ------------------------------------------------------------------


def seed(
    repo: TemporaryListRepo,
    contacts: ContactLookup,
    account: Account,
    raw: dict[str, Any],
    now_ms: int,
) -> None:
    """A temporary list of a fixture or snapshot (a ``SeedTemporaryList``) with its members."""
    external_id = raw.get("externalTemporaryListId")
    what = f"temporary list {raw['name']!r}"
    if external_id is not None and repo.load(external_id) is not None:
        raise SpotlerError.invalid_params(
            f"fixture {what}: externalTemporaryListId {external_id!r} is used twice; give "
            f"every list an id of its own"
        )
    if repo.name_taken(raw["name"]):
        raise SpotlerError.invalid_params(f"fixture {what} is listed twice: names are unique")
    if repo.count() >= MAX_TEMPORARY_LISTS:
        raise SpotlerError.invalid_params(
            f"fixture {what}: an account holds at most {MAX_TEMPORARY_LISTS} temporary lists"
        )
    members = seed_members(contacts, account, raw, what)
    temporary_list = TemporaryList(
        external_id=external_id,
        name=raw["name"],
        type=raw.get("type", API_TYPE),
        created_ms=int(raw.get("created", now_ms)),
        in_use_by=raw.get("inUseBy"),
    )
    repo.add(temporary_list)
    repo.add_members(temporary_list.id, members)


def seed_view(temporary_list: TemporaryList, members: list[str]) -> dict[str, Any]:
    """A temporary list as a fixture or snapshot holds it; :func:`seed` reads it back.
    ``members`` are the encrypted ids of its contacts."""
    out: dict[str, Any] = {
        "name": temporary_list.name,
        "type": temporary_list.type,
        "created": temporary_list.created_ms,
        "contactEncryptedIds": members,
    }
    if temporary_list.external_id is not None:
        out["externalTemporaryListId"] = temporary_list.external_id
    if temporary_list.in_use_by is not None:
        out["inUseBy"] = temporary_list.in_use_by
    return out
