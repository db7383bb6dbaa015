"""The order rules: insert (or upsert), update, delete (a cancellation).

An order belongs to a contact of the caller's account, named by the value of the ID field linked
to the calling Key (``externalContactId``), and lists products that must exist. Request bodies
reach these functions already validated against the contract: ids present and non-empty, a
non-empty product list, a value in whole cents, a date of the ISO 8601 form. What the contract
cannot see is checked here, each with the reference's error type: the contact
(400 CONTACT_NOT_FOUND), the products (400 PRODUCT_NOTFOUND), a date no calendar has
(400 INVALID_PARAMS), an existing order without ``update`` (400 ID_NOTUNIQUE), an unknown order
to change or delete (404 ORDER_NOTFOUND).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from spotler_sim.domain.contacts import ContactIds, named_contact, seeded_contact
from spotler_sim.domain.model import Account, Caller
from spotler_sim.domain.products import ProductRepo, require_all
from spotler_sim.domain.timewindows import iso_utc, parse_instant_ms
from spotler_sim.domain.values import cents, moment_ms
from spotler_sim.errors import SpotlerError


@dataclass
class StoredOrder:
    external_id: str
    contact_id: int
    date_ms: int
    value: int  # cents
    product_ids: list[str]
    created_ms: int
    changed_ms: int
    id: int = 0


class OrderRepo(Protocol):
    """What the order rules need from storage, for one account."""

    def load(self, external_id: str) -> StoredOrder | None: ...
    def save(self, order: StoredOrder) -> None: ...
    def remove(self, external_id: str) -> bool: ...


def _order(
    contacts: ContactIds,
    products: ProductRepo,
    caller: Caller,
    incoming: dict[str, Any],
    now_ms: int,
    existing: StoredOrder | None,
) -> StoredOrder:
    """The order a request describes, once everything it names is found."""
    date_ms = moment_ms(incoming["date"], name="order date")
    contact_id = named_contact(contacts, caller.id_field, incoming["externalContactId"], status=400)
    require_all(products, incoming["externalProductIds"])
    return StoredOrder(
        external_id=incoming["externalId"],
        contact_id=contact_id,
        date_ms=date_ms,
        value=cents(incoming["value"]),
        product_ids=list(incoming["externalProductIds"]),
        created_ms=existing.created_ms if existing else now_ms,
        changed_ms=now_ms,
        id=existing.id if existing else 0,
    )


def insert(
    orders: OrderRepo,
    contacts: ContactIds,
    products: ProductRepo,
    caller: Caller,
    body: dict[str, Any],
    now_ms: int,
) -> None:
    """POST /order: a new order; with ``update: true`` an existing one is replaced."""
    incoming = body["order"]
    existing = orders.load(incoming["externalId"])
    if existing is not None and not body.get("update", False):
        raise SpotlerError.id_not_unique(
            "order",
            incoming["externalId"],
            'send "update": true to replace it, or PUT /order/{externalOrderId}',
        )
    orders.save(_order(contacts, products, caller, incoming, now_ms, existing))


def update(
    orders: OrderRepo,
    contacts: ContactIds,
    products: ProductRepo,
    caller: Caller,
    external_id: str,
    body: dict[str, Any],
    now_ms: int,
) -> None:
    """PUT /order/{externalOrderId}: replace an existing order (404 when there is none)."""
    incoming = body["order"]
    if incoming["externalId"] != external_id:
        raise SpotlerError.invalid_params(
            f"order.externalId {incoming['externalId']!r} differs from {external_id!r} in the "
            f"path: send the same value in both"
        )
    existing = orders.load(external_id)
    if existing is None:
        raise SpotlerError.order_not_found(external_id)
    orders.save(_order(contacts, products, caller, incoming, now_ms, existing))


def delete(orders: OrderRepo, external_id: str) -> None:
    """DELETE /order/{externalOrderId}: how a connector cancels an order."""
    if not orders.remove(external_id):
        raise SpotlerError.order_not_found(external_id)


# ---- fixtures and snapshots ------------------------------------------------------------------


def seed(
    orders: OrderRepo, contacts: ContactIds, account: Account, raw: dict[str, Any], now_ms: int
) -> None:
    """An order of a fixture or snapshot (a ``SeedOrder``), keeping its times.

    The contact is named by ``contactEncryptedId`` or by ``externalContactId`` in ``idField``
    (the account's first ID field when absent). Products are not checked: an order keeps the
    ids it was placed with, even of products deleted since.
    """
    if orders.load(raw["externalId"]) is not None:
        raise SpotlerError.id_not_unique(
            "order", raw["externalId"], "give every fixture order an externalId of its own"
        )
    contact_id = seeded_contact(contacts, account, raw, f"fixture order {raw['externalId']!r}")
    created = int(raw.get("created", now_ms))
    orders.save(
        StoredOrder(
            external_id=raw["externalId"],
            contact_id=contact_id,
            date_ms=parse_instant_ms(raw["date"], name="order date"),
            value=cents(raw["value"]),
            product_ids=list(raw["externalProductIds"]),
            created_ms=created,
            changed_ms=int(raw.get("changed", created)),
        )
    )


def seed_view(order: StoredOrder, contact_encrypted_id: str) -> dict[str, Any]:
    """An order as a fixture or snapshot holds it (a ``SeedOrder``); :func:`seed` reads it back."""
    return {
        "externalId": order.external_id,
        "contactEncryptedId": contact_encrypted_id,
        "date": iso_utc(order.date_ms),
        "value": order.value,
        "externalProductIds": list(order.product_ids),
        "created": order.created_ms,
        "changed": order.changed_ms,
    }
