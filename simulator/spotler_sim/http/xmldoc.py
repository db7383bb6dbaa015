"""XML documents of the Spotler API, read and written by the contract's schema (JAXB style).

The schema of an operation's body says what shape the document has, so XML and JSON give the
same document to validate. The rules are the ones JAXB and OpenAPI's ``xml`` object use:

* the root element is named by the schema's ``xml.name`` (any name is accepted when reading);
* an object's properties are child elements of the same name;
* an array property is the child element repeated (a top-level array: the root wraps items
  named by the items' ``xml.name``);
* a map (an object with ``additionalProperties`` only) is ``entry`` elements holding ``key``
  and ``value``; a list value is ``item`` elements inside ``value`` (how both forms plugins
  send ``formParams``);
* booleans are ``true``/``false``; a null or absent value is an absent element, and a required
  list without elements reads as empty.

Documents with a DOCTYPE are refused whatever their encoding (defusedxml reads them): no entity
is ever expanded. Written documents read back equal under a strict parser: text that XML cannot
carry is refused on the way in (``UNWRITABLE``), and a carriage return is written as a reference
(a parser would read a raw one as a line feed).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from spotler_sim import contracts

_TOO_DEEP = 64
# Characters XML 1.0 has no way to write (not even as a reference): controls other than tab and
# line breaks, lone UTF-16 surrogates, U+FFFE and U+FFFF.
UNWRITABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# How a text element reads as the type its schema declares (validation.coerce, one rule for
# parameters and XML).
Scalar = Callable[[str, dict[str, Any]], Any]


class XmlError(ValueError):
    """A document that is not XML, or not of the expected shape."""


def _kinds(schema: dict[str, Any]) -> list[str]:
    kinds = schema.get("type", [])
    return [kinds] if isinstance(kinds, str) else list(kinds)


def _is_map(schema: dict[str, Any]) -> bool:
    return "properties" not in schema and isinstance(schema.get("additionalProperties"), dict)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    found = contracts.named(schema)
    if "allOf" not in found:
        return found
    # A model extending another (MailingInteractionSent adds to MailingInteraction) is one
    # element holding the fields of every part.
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in found["allOf"]:
        part = _resolve(part)
        merged["properties"].update(part.get("properties", {}))
        merged["required"] += part.get("required", [])
    return {**{k: v for k, v in found.items() if k != "allOf"}, **merged}


def element_name(schema: dict[str, Any], default: str) -> str:
    """The element a schema is written as: its XML name (a component's own name), or ``default``."""
    name = _resolve(schema).get("xml", {}).get("name")
    return str(name) if name else default


# ---- reading ---------------------------------------------------------------------------------


def parse(raw: bytes, schema: dict[str, Any]) -> Any:
    """The document an XML text holds, shaped as ``schema`` describes; each text element reads
    as its schema's type by the parameters' rule (validation imports this module, so the rule
    is imported at the call)."""
    from spotler_sim.http.validation import coerce

    try:
        root = fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise XmlError(
            "a DOCTYPE or entity declaration is not accepted; send the bare document"
        ) from None
    except ET.ParseError as exc:
        raise XmlError(f"the body is not well-formed XML ({exc})") from None
    return _Reader(coerce).read(root, _resolve(schema), 0)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Reader:
    """Reads elements into the document shape, each text as its schema's type."""

    def __init__(self, scalar: Scalar) -> None:
        self._scalar = scalar

    def read(self, element: ET.Element, schema: dict[str, Any], depth: int) -> Any:
        if depth > _TOO_DEEP:
            raise XmlError("the document is nested too deeply: send a flatter document")
        kinds = _kinds(schema)
        if "array" in kinds:
            items = _resolve(schema.get("items", {}))
            return [self.read(child, items, depth + 1) for child in element]
        if _is_map(schema):
            values = _resolve(schema["additionalProperties"])
            out: dict[str, Any] = {}
            for entry in element:
                key = entry.find("key")
                value = entry.find("value")
                if _local(entry.tag) != "entry" or key is None:
                    raise XmlError(
                        f"<{_local(element.tag)}> holds <entry> elements with a <key> and a <value>"
                    )
                found: Any
                if "array" in _kinds(values):
                    item = _resolve(values.get("items", {}))
                    found = [] if value is None else [self.read(i, item, depth + 1) for i in value]
                else:
                    found = self.read(value, values, depth + 1) if value is not None else None
                out[key.text or ""] = found
            return out
        if "object" in kinds or "properties" in schema:
            properties = schema.get("properties", {})
            doc: dict[str, Any] = {}
            for child in element:
                name = _local(child.tag)
                prop = _resolve(properties.get(name, {}))
                if "array" in _kinds(prop):
                    doc.setdefault(name, []).append(
                        self.read(child, _resolve(prop.get("items", {})), depth + 1)
                    )
                elif name in doc:
                    raise XmlError(f"<{name}> appears twice; send it once")
                else:
                    doc[name] = self.read(child, prop, depth + 1)
            for name in schema.get("required", []):  # XML cannot tell an empty list from none
                if name not in doc and "array" in _kinds(_resolve(properties.get(name, {}))):
                    doc[name] = []
            return doc
        if len(element) and not kinds:
            return self._untyped(element, depth)
        return self._scalar(element.text or "", schema)

    def _untyped(self, element: ET.Element, depth: int) -> Any:
        """A value the schema leaves open (a set property's bits): ``item`` elements are a list,
        other children named fields; a leaf that reads as a whole number or a flag is one."""
        if depth > _TOO_DEEP:
            raise XmlError("the document is nested too deeply: send a flatter document")
        if not len(element):
            text = element.text or ""
            if text in ("true", "false"):
                return text == "true"
            return self._scalar(text, {"type": "integer"})
        if all(_local(child.tag) == "item" for child in element):
            return [self._untyped(child, depth + 1) for child in element]
        return {_local(child.tag): self._untyped(child, depth + 1) for child in element}


# ---- writing ---------------------------------------------------------------------------------


def dump(document: Any, schema: dict[str, Any]) -> bytes:
    """The XML text of a document, with its root named by the schema."""
    schema = _resolve(schema)
    element = ET.Element(element_name(schema, "document"))
    _write(element, document, schema)
    text: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return text.replace(b"\r", b"&#13;")  # only text holds one: the declaration ends in \n


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write(element: ET.Element, value: Any, schema: dict[str, Any]) -> None:
    if isinstance(value, list):
        raw = schema.get("items", {})
        items = _resolve(raw)
        for item in value:
            _write(ET.SubElement(element, element_name(raw, "item")), item, items)
    elif isinstance(value, dict) and _is_map(schema):
        values = _resolve(schema["additionalProperties"])
        for key, item in value.items():
            entry = ET.SubElement(element, "entry")
            ET.SubElement(entry, "key").text = str(key)
            _write(ET.SubElement(entry, "value"), item, values)
    elif isinstance(value, dict):
        properties = schema.get("properties", {})
        for name, item in value.items():
            if item is None:
                continue
            prop = _resolve(properties.get(name, {}))
            if isinstance(item, list):
                items = _resolve(prop.get("items", {}))
                for one in item:
                    _write(ET.SubElement(element, name), one, items)
            else:
                _write(ET.SubElement(element, name), item, prop)
    elif value is not None:
        element.text = _text(value)
