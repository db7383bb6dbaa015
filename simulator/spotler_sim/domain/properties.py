"""Contact property values: checked against the contract's per-type schema, stored canonically.

The contract (``PropertyValue<Type>`` schemas in ``contracts/openapi.yaml``) says what a value of
each property type looks like; this module only adds what a schema cannot: which properties the
account defines, merging set options by bit, and one canonical stored form per type.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from spotler_sim import contracts
from spotler_sim.domain.model import Account, PropertyDef
from spotler_sim.errors import SpotlerError


def _schema_name(prop_type: str) -> str:
    return "PropertyValue" + prop_type[0].upper() + prop_type[1:]


@cache
def _validator(prop_type: str) -> contracts.Check:
    return contracts.schema_validator(_schema_name(prop_type))


def check_value(prop: PropertyDef, value: Any) -> None:
    """Raise INVALID_PROPERTY when ``value`` does not fit the property's type."""
    if not _validator(prop.type).is_valid(value):
        name = _schema_name(prop.type)
        hint = contracts.schema(name).get("description", "see GET /contact/properties/list")
        raise SpotlerError.invalid_property(
            f"Property {prop.name!r} (type {prop.type}) has an invalid value {value!r}: {hint}"
        )


def canonical(prop: PropertyDef, value: Any) -> Any:
    """The one stored form of a valid value (numbers from numeric strings, and so on)."""
    if value is None:
        return None
    if prop.type == "int":
        return int(value)
    if prop.type == "money":
        number = float(value)
        return int(number) if number.is_integer() else number
    if prop.type == "postcode":
        compact = str(value).replace(" ", "").upper()
        return f"{compact[:4]} {compact[4:]}"
    if prop.type == "email":
        return str(value).strip()
    return value


def _set_bits(prop: PropertyDef, entries: list[dict[str, Any]], current: list[int]) -> list[int]:
    """Merge ``{bit, enabled}`` entries into the enabled bits, by bit."""
    known = {int(e["bit"]): e.get("description", "") for e in prop.entries}
    enabled = set(current)
    for entry in entries:
        bit = int(entry["bit"])
        if bit not in known:
            options = ", ".join(f"{b} ({d})" for b, d in sorted(known.items()))
            raise SpotlerError.invalid_property(
                f"Property {prop.name!r} has no option with bit {bit}; its options are: {options}"
            )
        if entry.get("enabled", True):
            enabled.add(bit)
        else:
            enabled.discard(bit)
    return sorted(enabled)


def merge(
    account: Account, stored: dict[str, Any], incoming: dict[str, Any], *, purge: bool
) -> dict[str, Any]:
    """The properties after a write: ``purge`` drops what was not sent, otherwise merge.

    Raises INVALID_PROPERTY for an unknown property or a value that does not fit its type, before
    anything changes.
    """
    result: dict[str, Any] = {} if purge else dict(stored)
    for name, value in incoming.items():
        prop = account.property(name)
        if prop is None:
            raise SpotlerError.invalid_property(
                f"Property {name!r} does not exist in this account: "
                f"GET /contact/properties/list lists the properties you can send"
            )
        check_value(prop, value)
        if value is None:
            result.pop(name, None)
        elif prop.type == "set":
            base = [] if purge else list(stored.get(name, []))
            result[name] = _set_bits(prop, value, base)
        else:
            result[name] = canonical(prop, value)
    return result


def render(account: Account, stored: dict[str, Any]) -> dict[str, Any]:
    """Properties as a read shows them: values with data, and every option of each set."""
    out: dict[str, Any] = {}
    for prop in account.properties:
        if prop.type == "set":
            enabled = set(stored.get(prop.name, []))
            out[prop.name] = [
                {"bit": e["bit"], "description": e["description"], "enabled": e["bit"] in enabled}
                for e in prop.entries
            ]
        elif stored.get(prop.name) is not None:
            out[prop.name] = stored[prop.name]
    return out


def email_key(properties: dict[str, Any]) -> str | None:
    """The e-mail address as the dedup rule compares it: trimmed and lower-cased."""
    value = properties.get("email")
    return str(value).strip().lower() if value else None
