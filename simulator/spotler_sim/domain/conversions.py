"""Shopping-cart conversions a mailing led to (``POST /conversion``).

The shop sends the ``mailplusId`` (mpid) a mailing link carried. An mpid the simulator issued
(:func:`mailplus_id`) names a mailing and a contact, and the conversion is stored against both;
that contact must still exist. Any other well-formed mpid is stored unattributed, since the
simulator cannot know which mailing a token from elsewhere came from. Listed products must exist.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any, Protocol

from spotler_sim.domain.contacts import ContactIds
from spotler_sim.domain.products import ProductRepo, require_all
from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms
from spotler_sim.domain.values import moment_ms, optional_cents
from spotler_sim.errors import SpotlerError

_MPID_PREFIX = "spotler-sim"


@dataclass
class StoredConversion:
    mailplus_id: str
    type: str
    date_ms: int
    value: int | None
    product_ids: list[str]
    created_ms: int
    contact_id: int | None = None
    mailing: str | None = None
    id: int = field(default=0)


class ConversionRepo(Protocol):
    def add(self, conversion: StoredConversion) -> None: ...
    def has_mailing(self, encrypted_id: str) -> bool: ...


def mailplus_id(mailing: str, contact_encrypted_id: str) -> str:
    """The mpid the simulator puts in the links of ``mailing`` sent to a contact."""
    raw = f"{_MPID_PREFIX}:{mailing}:{contact_encrypted_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def attribution(mpid: str) -> tuple[str, str] | None:
    """The (mailing, contact encryptedId) an mpid of the simulator names; None for others."""
    try:
        text = base64.urlsafe_b64decode(mpid.rstrip("=") + "=" * (-len(mpid) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, rest = text.partition(":")
    mailing, _, contact = rest.partition(":")
    if prefix != _MPID_PREFIX or not mailing or not contact:
        return None
    return mailing, contact


def _conversion(
    contacts: ContactIds, raw: dict[str, Any], date_ms: int, now_ms: int
) -> StoredConversion:
    conversion = StoredConversion(
        mailplus_id=raw["mailplusId"],
        type=raw["type"],
        date_ms=date_ms,
        value=optional_cents(raw.get("value")),
        product_ids=list(raw.get("products") or []),
        created_ms=now_ms,
    )
    found = attribution(raw["mailplusId"])
    if found is not None:
        mailing, encrypted_id = found
        conversion.contact_id = contacts.by_encrypted_id(encrypted_id)
        if conversion.contact_id is None:
            raise SpotlerError(
                400,
                "CONTACT_NOT_FOUND",
                f"the mailplusId names contact {encrypted_id!r}, which this account does not "
                f"have (any more); send the mpid of a link the contact received",
            )
        conversion.mailing = mailing
    return conversion


def record(
    repo: ConversionRepo,
    contacts: ContactIds,
    products: ProductRepo,
    body: dict[str, Any],
    now_ms: int,
) -> None:
    """POST /conversion: store the conversion, attributed when the mpid says to whom."""
    date_ms = moment_ms(body["interactionDate"], name="interaction date")
    found = attribution(body["mailplusId"])
    if found is not None and not repo.has_mailing(found[0]):
        raise SpotlerError(
            400,
            "MAILING_NOTFOUND",
            f"the mailplusId names mailing {found[0]!r}, which this account does not have "
            f"(the reference's 'Activity not found'): send the mpid of a link of one of its "
            f"mailings (GET /mailing lists them)",
        )
    require_all(products, list(body.get("products") or []))
    repo.add(_conversion(contacts, body, date_ms, now_ms))


def seed(repo: ConversionRepo, contacts: ContactIds, raw: dict[str, Any], now_ms: int) -> None:
    """A conversion of a fixture or snapshot (a ``SeedConversion``); products are not checked."""
    date_ms = parse_instant_ms(raw["interactionDate"], name="interactionDate")
    conversion = _conversion(contacts, raw, date_ms, int(raw.get("created", now_ms)))
    repo.add(conversion)


def seed_view(conversion: StoredConversion) -> dict[str, Any]:
    """A conversion as a fixture or snapshot holds it (a ``SeedConversion``)."""
    out: dict[str, Any] = {
        "mailplusId": conversion.mailplus_id,
        "type": conversion.type,
        "interactionDate": iso_utc(conversion.date_ms),
        "products": list(conversion.product_ids),
        "created": conversion.created_ms,
    }
    if conversion.value is not None:
        out["value"] = conversion.value
    return out
