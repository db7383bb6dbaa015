"""The product rules: insert (or upsert), update, delete, read, search, custom properties.

A product is stored in one canonical form whatever form the client sent: prices in whole cents
as integers, flags as booleans, specification ranks as integers, the rating as the text sent,
absent optional fields left out. Answers show it in the reference's types (``view``): amounts,
the rating and ranks as strings, as the vendor's description types them and as clients generated
from it read them. Request bodies reach these functions already validated against the contract
(required fields, value forms, at most 5 specifications).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from spotler_sim.domain.model import Account
from spotler_sim.domain.paging import Page, PageRequest
from spotler_sim.domain.timewindows import iso_utc, seed_instant_ms
from spotler_sim.domain.values import cents, flag
from spotler_sim.errors import SpotlerError

TEXT_FIELDS = (
    "name",
    "description",
    "link",
    "imageUrl",
    "imageLargeUrl",
    "category",
    "sku",
    "brand",
    "ratingImageUrl",
    "reviewLink",
    "addToCartLink",
    "language",
)
CENTS_FIELDS = ("price", "oldPrice")
FLAG_DEFAULTS = {"deleted": False, "visible": True}
DEFAULT_STOCK = "UNKNOWN"
_CUSTOM = "customProperties."  # how the search index names a custom property
# The fields ``GET /product/search?MPSearchQuery=<field>=<value>`` can match exactly.
SEARCHABLE = (
    "externalId",
    "name",
    "sku",
    "gtin",
    "brand",
    "category",
    "language",
    "stock",
    "price",
    "visible",
    "deleted",
)


@dataclass
class StoredProduct:
    external_id: str
    fields: dict[str, Any]  # canonical values, without externalId and the two dates
    created_ms: int
    changed_ms: int
    id: int = 0


@dataclass(frozen=True)
class Term:
    """One searchable value of a product, as the search index holds it."""

    field: str
    value: str


class ProductRepo(Protocol):
    """What the product rules need from storage, for one account."""

    def load(self, external_id: str) -> StoredProduct | None: ...
    def save(self, product: StoredProduct, terms: list[Term]) -> None: ...
    def remove(self, external_id: str) -> bool: ...
    def matching(self, term: Term, offset: int, limit: int) -> list[StoredProduct]: ...
    def missing(self, external_ids: list[str]) -> list[str]: ...


# ---- the canonical form ----------------------------------------------------------------------


def canonical(account: Account, incoming: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a product as sent (without externalId and the dates)."""
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if incoming.get(name) is not None:
            out[name] = incoming[name]
    for name in CENTS_FIELDS:
        if incoming.get(name) is not None:
            out[name] = cents(incoming[name])
    if incoming.get("gtin") is not None:
        out["gtin"] = str(incoming["gtin"])
    if incoming.get("ratingValue") is not None:
        out["ratingValue"] = _number_text(incoming["ratingValue"])
    out["stock"] = incoming.get("stock") or DEFAULT_STOCK
    for name, default in FLAG_DEFAULTS.items():
        out[name] = flag(incoming.get(name), default)
    custom = incoming.get("customProperties") or {}
    unknown = sorted(set(custom) - set(account.product_properties))
    if unknown:
        raise SpotlerError.invalid_property(
            f"invalid custom property: {', '.join(unknown)} is not a custom product property of "
            f"this account; GET /product/custom-properties/list names the ones you can send"
        )
    if custom:
        out["customProperties"] = dict(custom)
    if incoming.get("specifications"):
        out["specifications"] = [_specification(s) for s in incoming["specifications"]]
    return out


def _specification(raw: dict[str, Any]) -> dict[str, Any]:
    spec = {"description": raw["description"], "value": raw["value"]}
    if raw.get("rank") is not None:
        spec["rank"] = int(raw["rank"])
    return spec


def terms(product: StoredProduct) -> list[Term]:
    """The searchable values of a product, each in the text form a query compares: the
    ``SEARCHABLE`` fields, and each custom property under ``customProperties.<name>``."""
    out = [Term("externalId", product.external_id)]
    for name in SEARCHABLE[1:]:
        value = product.fields.get(name)
        if value is not None:
            out.append(Term(name, _term_text(value)))
    for name, value in (product.fields.get("customProperties") or {}).items():
        out.append(Term(_CUSTOM + name, _term_text(value)))
    return out


def _number_text(value: float | str) -> str:
    """A number as text: a string as sent, a JSON number as JSON writes it (4.5, 4)."""
    return value if isinstance(value, str) else json.dumps(value)


def _term_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def view(product: StoredProduct) -> dict[str, Any]:
    """A product as the API answers it (the contract's ``Product``): amounts, the rating and
    the ranks of the specifications as strings."""
    fields = dict(product.fields)
    for name in (*CENTS_FIELDS, "ratingValue"):
        if name in fields:
            fields[name] = _number_text(fields[name])
    if "specifications" in fields:
        fields["specifications"] = [
            {**spec, "rank": str(spec["rank"])} if "rank" in spec else spec
            for spec in fields["specifications"]
        ]
    return {
        "externalId": product.external_id,
        **fields,
        "creationDate": iso_utc(product.created_ms),
        "changeDate": iso_utc(product.changed_ms),
    }


# ---- reading ---------------------------------------------------------------------------------


def find(repo: ProductRepo, external_id: str) -> StoredProduct:
    product = repo.load(external_id)
    if product is None:
        raise SpotlerError.product_not_found([external_id])
    return product


def get(repo: ProductRepo, external_id: str) -> dict[str, Any]:
    return view(find(repo, external_id))


def properties_list(account: Account) -> list[dict[str, Any]]:
    return [{"name": name} for name in account.product_properties]


def search(
    repo: ProductRepo, account: Account, query: str, page: PageRequest
) -> tuple[list[dict[str, Any]], Page]:
    """``MPSearchQuery=<field>=<value>``: the products whose field has exactly that value.

    The field is one of ``SEARCHABLE`` or a custom product property of the account.
    """
    name, sep, value = (part.strip() for part in query.partition("="))
    if sep and name in SEARCHABLE:
        term = Term(name, _query_value(query, name, value))
    elif sep and name in account.product_properties:
        term = Term(_CUSTOM + name, value)
    else:
        fields = ", ".join((*SEARCHABLE, *account.product_properties))
        raise SpotlerError.invalid_params(
            f"MPSearchQuery {query!r} is not of the form field=value with a searchable field; "
            f"use one of {fields}, e.g. MPSearchQuery=sku=RJ-01"
        )
    result = Page.cut(repo.matching(term, page.after, page.fetch), page)
    return [view(p) for p in result.items], result


def _query_value(query: str, name: str, value: str) -> str:
    """A searched value in the text form the index holds (cents without leading zeros, flags
    in lower case)."""
    if name in CENTS_FIELDS:
        if re.fullmatch("[0-9]{1,15}", value) is None:
            raise SpotlerError.invalid_params(
                f"MPSearchQuery {query!r}: {name} is an amount in cents; send digits, e.g. {name}=8995"
            )
        return str(int(value))
    if name in FLAG_DEFAULTS:
        return value.lower()
    return value


# ---- writing ---------------------------------------------------------------------------------


def insert(repo: ProductRepo, account: Account, body: dict[str, Any], now_ms: int) -> StoredProduct:
    """POST /product: a new product; with ``update: true`` an existing one is replaced."""
    incoming = body["product"]
    external_id = incoming["externalId"]
    fields = canonical(account, incoming)
    existing = repo.load(external_id)
    if existing is not None and not body.get("update", False):
        raise SpotlerError.id_not_unique(
            "product",
            external_id,
            'send "update": true to replace it, or PUT /product/{externalProductId}',
        )
    product = StoredProduct(
        external_id,
        fields,
        created_ms=existing.created_ms if existing else now_ms,
        changed_ms=now_ms,
        id=existing.id if existing else 0,
    )
    repo.save(product, terms(product))
    return product


def update(
    repo: ProductRepo, account: Account, external_id: str, body: dict[str, Any], now_ms: int
) -> None:
    """PUT /product/{externalProductId}: replace an existing product.

    A different ``product.externalId`` in the body renames the product, unless another product
    has that id already (400 ID_NOTUNIQUE).
    """
    product = find(repo, external_id)
    incoming = body["product"]
    fields = canonical(account, incoming)
    new_id = incoming["externalId"]
    if new_id != external_id:
        if repo.load(new_id) is not None:
            raise SpotlerError.id_not_unique(
                "product", new_id, f"send {external_id!r} as product.externalId to keep the id"
            )
        product.external_id = new_id
    product.fields = fields
    product.changed_ms = now_ms
    repo.save(product, terms(product))


def delete(repo: ProductRepo, external_id: str) -> None:
    if not repo.remove(external_id):
        raise SpotlerError.product_not_found([external_id])


def require_all(repo: ProductRepo, external_ids: list[str]) -> None:
    """Every listed product exists, or 400 PRODUCT_NOTFOUND naming the missing ones."""
    missing = repo.missing(external_ids)
    if missing:
        raise SpotlerError.product_not_found(missing, status=400)


# ---- fixtures and snapshots ------------------------------------------------------------------


def seed(repo: ProductRepo, account: Account, raw: dict[str, Any], now_ms: int) -> None:
    """A product of a fixture or snapshot (a ``Product`` document), keeping its dates."""
    if repo.load(raw["externalId"]) is not None:
        raise SpotlerError.id_not_unique(
            "product", raw["externalId"], "give every fixture product an externalId of its own"
        )
    created = seed_instant_ms(raw.get("creationDate"), now_ms, name="creationDate")
    product = StoredProduct(
        raw["externalId"],
        canonical(account, raw),
        created_ms=created,
        changed_ms=seed_instant_ms(raw.get("changeDate"), created, name="changeDate"),
    )
    repo.save(product, terms(product))
