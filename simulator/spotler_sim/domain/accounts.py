"""Accounts as fixtures and the admin API describe them, with the rules a schema cannot state."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any

from spotler_sim.domain.model import CALLER_ID, DEFAULT_LICENCE, Account, LagPolicy, PropertyDef
from spotler_sim.domain.ratelimit import RateLimit, rate_limit_of
from spotler_sim.errors import SpotlerError

DEFAULT_ID_FIELD = "externalCustomerId"
DEFAULT_DEDUP_RULES = (("email",), (CALLER_ID,))


@dataclass(frozen=True)
class AuthSpec:
    label: str
    key: str
    secret: str
    id_field: str


@dataclass(frozen=True)
class AccountSpec:
    name: str
    id_fields: tuple[str, ...]
    dedup_rules: tuple[tuple[str, ...], ...]
    lag: LagPolicy
    list_shape: str
    authentications: tuple[AuthSpec, ...]
    properties: tuple[PropertyDef, ...]
    product_properties: tuple[str, ...] = ()
    licence: str = DEFAULT_LICENCE
    rate_limit: RateLimit | None = None


# What a new Spotler account has before anyone adds a property; used when a definition
# names no properties.
STANDARD_PROPERTIES: list[dict[str, Any]] = [
    {"name": "email", "type": "email", "description": "E-mail address"},
    {"name": "firstName", "type": "string", "description": "First name"},
    {"name": "lastName", "type": "string", "description": "Last name"},
    {"name": "gender", "type": "gender", "description": "Gender (M or F)"},
    {"name": "birthday", "type": "birthdate", "description": "Date of birth"},
    {"name": "city", "type": "string", "description": "City"},
    {"name": "postalCode", "type": "postcode", "description": "Postcode"},
    {"name": "mobile", "type": "mobNr", "description": "Mobile number"},
    {
        "name": "permissions",
        "type": "set",
        "description": "Permissions",
        "entries": [
            {"bit": 1, "description": "Nieuwsbrief", "rank": 1},
            {"bit": 2, "description": "Aanbiedingen", "rank": 2},
        ],
    },
]


def _bad(account: str, message: str) -> SpotlerError:
    return SpotlerError.invalid_params(f"account {account!r}: {message}")


def check_dedup_rules(
    name: str, rules: tuple[tuple[str, ...], ...], id_fields: tuple[str, ...]
) -> None:
    allowed = {"email", CALLER_ID, *id_fields}
    for rule in rules:
        unknown = [f for f in rule if f not in allowed]
        if unknown or not rule:
            raise _bad(
                name,
                f"dedup rule {list(rule)} names {unknown or 'no field'}; a rule may use "
                f"email, {CALLER_ID} (the caller's ID field) or one of {list(id_fields)}",
            )


def auth_spec(account: str, id_fields: tuple[str, ...], raw: dict[str, Any]) -> AuthSpec:
    """One authentication; a Key and Secret are generated when not given."""
    id_field = raw.get("idField", id_fields[0])
    if id_field not in id_fields:
        raise _bad(
            account,
            f"authentication {raw['label']!r} is linked to {id_field!r}, which is not one of "
            f"the account's ID fields {list(id_fields)}: add it to idFields",
        )
    key = raw.get("key") or f"{account}-{raw['label']}-{secrets.token_hex(4)}"
    return AuthSpec(raw["label"], key, raw.get("secret") or new_secret(), id_field)


def with_authentications(
    definition: dict[str, Any], labels: list[str], chosen: dict[str, str]
) -> dict[str, Any]:
    """An account definition with an authentication per label added, each linked to an ID field
    of its own unless ``chosen`` (label -> field) names one: the first authentication of an
    account gets the default field, every other ``<label>CustomerId``. Each field used is added
    to the definition's ``idFields``; the vendor's advice is one ID field per linked system."""
    out = {**definition, "authentications": list(definition.get("authentications", []))}
    fields = list(definition.get("idFields") or ())
    for label in labels:
        first = not out["authentications"]
        field = chosen.get(label) or (
            (fields[0] if fields else DEFAULT_ID_FIELD) if first else f"{label}CustomerId"
        )
        out["authentications"].append({"label": label, "idField": field})
        if field not in fields:
            fields.append(field)
    if fields:
        out["idFields"] = fields
    return out


def shared_id_fields(definition: dict[str, Any]) -> dict[str, list[str]]:
    """The ID fields that two or more authentications of a definition are linked to, with their
    labels: the set-up where one system's IDs overwrite the other's."""
    default = (definition.get("idFields") or (DEFAULT_ID_FIELD,))[0]
    linked: dict[str, list[str]] = {}
    for auth in definition.get("authentications", []):
        linked.setdefault(auth.get("idField", default), []).append(auth["label"])
    return {field: labels for field, labels in linked.items() if len(labels) > 1}


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def account_spec(data: dict[str, Any]) -> AccountSpec:
    """Read one account of a fixture document (already valid against its schema)."""
    name = str(data["name"])
    id_fields = tuple(data.get("idFields") or (DEFAULT_ID_FIELD,))
    rules = tuple(tuple(rule) for rule in data.get("dedupRules", DEFAULT_DEDUP_RULES))
    check_dedup_rules(name, rules, id_fields)
    auths = [auth_spec(name, id_fields, raw) for raw in data.get("authentications", [])]
    labels = [a.label for a in auths]
    if len(set(labels)) != len(labels):
        raise _bad(name, "two authentications share a label: give each its own")
    properties = []
    for raw in data.get("properties", STANDARD_PROPERTIES):
        if raw["type"] == "set" and not raw.get("entries"):
            raise _bad(name, f"set property {raw['name']!r} needs entries (bit, description, rank)")
        properties.append(
            PropertyDef(
                name=raw["name"],
                type=raw["type"],
                description=raw.get("description", raw["name"]),
                entries=tuple(
                    {"bit": e["bit"], "description": e["description"], "rank": e.get("rank", i + 1)}
                    for i, e in enumerate(raw.get("entries", []))
                ),
            )
        )
    names = [p.name for p in properties]
    if len(set(names)) != len(names):
        raise _bad(name, "two properties share a name")
    product_properties = tuple(p["name"] for p in data.get("productProperties", []))
    if len(set(product_properties)) != len(product_properties):
        raise _bad(name, "two product properties share a name: product property names are unique")
    return AccountSpec(
        name=name,
        id_fields=id_fields,
        dedup_rules=rules,
        lag=LagPolicy.from_json(data.get("visibilityLag")),
        list_shape=str(data.get("listShape", "paged")),
        authentications=tuple(auths),
        properties=tuple(properties),
        product_properties=product_properties,
        licence=str(data.get("licence", DEFAULT_LICENCE)),
        rate_limit=rate_limit_of(data.get("rateLimit")),
    )


def patched(account: Account, patch: dict[str, Any]) -> Account:
    """An account after an admin PATCH (already valid against ``AccountPatch``)."""
    changes: dict[str, Any] = {}
    if "visibilityLag" in patch:
        changes["lag"] = LagPolicy.from_json(patch["visibilityLag"])
    if "listShape" in patch:
        changes["list_shape"] = patch["listShape"]
    if "licence" in patch:
        changes["licence"] = patch["licence"]
    if "rateLimit" in patch:
        changes["rate_limit"] = rate_limit_of(patch["rateLimit"])
    if "dedupRules" in patch:
        rules = tuple(tuple(rule) for rule in patch["dedupRules"])
        check_dedup_rules(account.name, rules, account.id_fields)
        changes["dedup_rules"] = rules
    return replace(account, **changes)
