"""Checks every request against the contract before a handler runs.

Parameters arrive as strings, so they are first coerced to the type their schema declares, then
validated; the body is parsed as JSON (or, where the contract takes XML, read from XML into the
same document shape) and validated. Any violation answers 400 INVALID_PARAMS with
a message that names the field and says what was expected. No handler checks a field by hand.

A JSON ``null`` in a property the schema does not require means the property is absent, as the
Java service behind the real API reads it: clients built on pydantic models or PHP objects send
every unset field as null. Such nulls are dropped before validation, in every body, by walking
the schema (``optional_nulls_dropped``); a required property that is null is refused naming it.
Answers leave such properties out the same way (``spotler_sim.http.representation``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from jsonschema.exceptions import ValidationError, best_match

from spotler_sim import contracts
from spotler_sim.contracts import Operation, Parameter
from spotler_sim.errors import SpotlerError
from spotler_sim.http import xmldoc

if TYPE_CHECKING:
    from referencing._core import Resolver

JSON_TYPES = ("application/json", "text/json")
XML_TYPES = ("application/xml", "text/xml")


# What the reference's Java reads as a number (Integer.parseInt, Double.parseDouble without the
# whitespace, NaN and Infinity): ASCII digits only, so "3_101", "٣١٠١" or " 3101" stay text and
# are refused by the schema like any other text where a number belongs.
INTEGER = re.compile(r"[+-]?[0-9]+")
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """Text (a parameter, an XML element) as the type its schema declares, when it reads as
    one; otherwise the text itself, for the schema to refuse with its own words."""
    kinds = schema.get("type", [])
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "integer" in kinds and INTEGER.fullmatch(raw):
        return int(raw)
    if "number" in kinds and NUMBER.fullmatch(raw) and math.isfinite(float(raw)):
        return float(raw)
    if "boolean" in kinds and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    return raw


def _expected(schema: Mapping[str, Any], error: ValidationError) -> str:
    """What was wrong and what is expected, in words and with an example: never a regular
    expression or a list of schemas the reader has to decode."""
    meant = _meant(error)
    failing = meant.schema if isinstance(meant.schema, Mapping) else {}
    hint = failing.get("description") or schema.get("description")
    if meant.validator in ("pattern", "format"):
        said = f"{meant.instance!r} is not written as expected"
    elif meant.validator in ("oneOf", "anyOf"):
        said = "this value is not one of the accepted forms"
    else:
        said = meant.message
    example = _example(failing, error, meant.instance)
    return (
        said
        + (f" (expected: {hint.rstrip('.')})" if hint else "")
        + (f", e.g. {example}" if example else "")
    )


def _meant(error: ValidationError) -> ValidationError:
    """For a value no branch of a oneOf/anyOf takes, the error of the branch it was meant for:
    the one whose const or enum (such as an effect's type) it meets."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        chosen = [
            errors
            for errors in branches.values()
            if not any(e.validator in ("const", "enum", "type") for e in errors)
        ]
        if len(chosen) != 1:
            break
        error = best_match(chosen[0]) or error
    return error


def _example(failing: Mapping[str, Any], error: ValidationError, value: Any) -> str | None:
    """An example from the contract: of the failing schema, else of the enclosing one (the
    one of the same ``type`` as the value sent, where examples are objects with a type)."""
    outer = error.schema if isinstance(error.schema, Mapping) else {}
    examples = failing.get("examples") or outer.get("examples") or []
    if isinstance(value, Mapping) and "type" in value:
        examples = [
            e for e in examples if isinstance(e, Mapping) and e.get("type") == value["type"]
        ]
    if not examples:
        return None
    first = examples[0]
    return json.dumps(first) if not isinstance(first, str) else first


def _where(prefix: str, error: ValidationError) -> str:
    path = prefix
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def parameters(
    op: Operation, path_args: Mapping[str, Any], query: Mapping[str, str]
) -> dict[str, Any]:
    """The operation's declared parameters, typed; unknown query parameters are ignored."""
    values: dict[str, Any] = {}
    for param in op.parameters:
        source = (
            path_args if param.location == "path" else query if param.location == "query" else {}
        )
        raw = source.get(param.name)
        if raw is None or raw == "":
            if param.required:
                raise SpotlerError.invalid_params(_missing(param))
            if "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        if isinstance(raw, str):
            _refuse_unwritable(raw, f"{param.location} parameter {param.name}")
            value = coerce(raw, param.schema)
        else:  # a route converter read it already (the admin API's <int:...>)
            value = raw
        error = best_match(param.validator.iter_errors(value))
        if error is not None:
            raise SpotlerError.invalid_params(
                f"{param.location} parameter {param.name}={raw!r} is invalid: "
                f"{_expected(param.schema, error)}"
            )
        values[param.name] = value
    return values


def _missing(param: Parameter) -> str:
    hint = param.schema.get("description")
    return f"{param.location} parameter {param.name} is required" + (f": {hint}" if hint else "")


_TOO_DEEP = "the body is nested too deeply to be checked: send a flatter document"


def refuse_non_json_constant(constant: str) -> Any:
    """Python reads NaN and Infinity, JSON has no such values: storing one would make every
    later answer with it unreadable to a JSON client."""
    raise ValueError(f"{constant} is not a JSON value; send a number, or null")


def finite_float(text: str) -> float:
    """A JSON number; one too large for a double (1e400) would be stored as Infinity."""
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"the number {text} is too large; send at most 1.7e308")
    return number


def _refuse_unwritable(text: str, where: str) -> None:
    """Text no XML answer can carry (a control character, half of a UTF-16 pair, U+FFFE) is
    refused on the way in, as Spotler's XML stack would never store it."""
    found = xmldoc.UNWRITABLE.search(text)
    if found is not None:
        raise SpotlerError.invalid_params(
            f"{where} holds U+{ord(found.group()):04X}, which is not a character a Spotler "
            "answer can carry (control characters other than tab and line breaks, and lone "
            "UTF-16 surrogates, are not): remove it"
        )


def _refuse_unwritable_text(document: Any, where: str = "body") -> None:
    """Every key and text of a parsed body, checked as ``_refuse_unwritable`` says."""
    try:
        if isinstance(document, str):
            _refuse_unwritable(document, where)
        elif isinstance(document, list):
            for index, item in enumerate(document):
                _refuse_unwritable_text(item, f"{where}[{index}]")
        elif isinstance(document, dict):
            for key, value in document.items():
                _refuse_unwritable(key, f"a key of {where}")
                _refuse_unwritable_text(value, f"{where}.{key}")
    except RecursionError:
        raise SpotlerError.invalid_params(_TOO_DEEP) from None


def _decoded(raw: bytes) -> str:
    """The body as text, strictly: bytes that are no UTF-8 (or the UTF-16/32 JSON allows),
    such as an encoded lone surrogate (ED A0 80), are refused, never passed through."""
    encoding = json.detect_encoding(raw)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SpotlerError.invalid_params(
            f"the body is not valid {encoding.upper()} (byte 0x{raw[exc.start]:02X} at offset "
            f"{exc.start}): send the document as UTF-8"
        ) from None


def body(op: Operation, raw: bytes, content_type: str | None) -> Any:
    """The parsed, validated JSON body, or None for an operation that takes none."""
    if not op.body_validators:
        return None
    if not raw.strip():
        if op.body_required:
            raise SpotlerError.invalid_params(
                f"{op.method} {op.path} needs a JSON body: see the operation {op.operation_id} "
                f"in GET /openapi.json"
            )
        return None
    media = (content_type or "application/json").split(";")[0].strip().lower()
    takes_xml = "application/xml" in op.body_validators
    if takes_xml and (media in XML_TYPES or media.endswith("+xml")):
        document = _xml(op, raw)
        _refuse_unwritable_text(document)
        return _validated(op, "application/xml", document)
    if media not in JSON_TYPES and not media.endswith("+json"):
        also = " (or as application/xml with an XML document)" if takes_xml else ""
        raise SpotlerError(
            415,
            "INVALID_PARAMS",
            f"the body is sent as {media!r}; send it as application/json with a JSON "
            f"document{also}",
        )
    text = _decoded(raw)
    try:
        document = json.loads(
            text, parse_constant=refuse_non_json_constant, parse_float=finite_float
        )
    except RecursionError:
        raise SpotlerError.invalid_params(_TOO_DEEP) from None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            detail = f" ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        else:
            detail = f" ({exc})"
        raise SpotlerError.invalid_params(
            f"the body is not valid JSON{detail}: fix the document"
        ) from None
    _refuse_unwritable_text(document)
    return _validated(op, "application/json", document)


def _xml(op: Operation, raw: bytes) -> Any:
    """An XML body read into the document shape its schema describes."""
    schema = contracts.media_schema(op.operation_id, "application/xml")
    assert schema is not None  # the operation takes XML
    try:
        return xmldoc.parse(raw, schema)
    except xmldoc.XmlError as exc:
        raise SpotlerError.invalid_params(f"{exc}: fix the document") from None


def _validated(op: Operation, media: str, document: Any) -> Any:
    validator = op.body_validators.get(media) or next(iter(op.body_validators.values()))
    try:
        document = optional_nulls_dropped(validator, document)
        error = best_match(validator.iter_errors(document))
    except RecursionError:
        raise SpotlerError.invalid_params(_TOO_DEEP) from None
    if error is not None:
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        raise SpotlerError.invalid_params(f"{_where('body', error)}: {_expected(schema, error)}")
    return document


# ---- null as absent --------------------------------------------------------------------------


@dataclass(eq=False)
class _Shape:
    """Where a document of one schema holds declared properties: for each property the shapes
    its value may take (one per alternative of the schema), which of them are required, and the
    shapes of an array's items."""

    properties: dict[str, list[_Shape]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    items: list[_Shape] = field(default_factory=list)
    nullable: bool = False
    keep_null: bool = False  # x-keep-null: null is a value here (it removes a setting)
    hint: str | None = None
    _plans: dict[bool, _Plan] = field(default_factory=dict)

    def plan(self, refuse: bool) -> _Plan:
        """What a walk must look at in a value of this shape (``refuse``: required nulls too)."""
        if refuse not in self._plans:
            # A schema that contains itself meets this placeholder: walk it, to be safe.
            self._plans[refuse] = _Plan(True, (), (), (), ())
            self._plans[refuse] = self._planned(refuse)
        return self._plans[refuse]

    def _planned(self, refuse: bool) -> _Plan:
        optional = tuple(
            n
            for n, shapes in self.properties.items()
            if n not in self.required and not any(s.keep_null for s in shapes)
        )
        required = tuple(
            (n, shapes)
            for n, shapes in self.properties.items()
            if refuse and n in self.required and not any(s.nullable for s in shapes)
        )
        nested = tuple(
            (n, kept)
            for n, shapes in self.properties.items()
            if (kept := tuple(s for s in shapes if s.plan(refuse).matters))
        )
        items = tuple(s for s in self.items if s.plan(refuse).matters)
        return _Plan(
            bool(optional or required or nested or items), optional, required, nested, items
        )


@dataclass(frozen=True)
class _Plan:
    matters: bool
    optional: tuple[str, ...]  # declared, not required: null there is dropped
    required: tuple[tuple[str, list[_Shape]], ...]  # required and not nullable: null is refused
    nested: tuple[tuple[str, tuple[_Shape, ...]], ...]  # properties whose values need a walk
    items: tuple[_Shape, ...]  # an array's item shapes that need a walk


def _shape(schema: Any, resolver: Resolver[Any], seen: dict[int, _Shape]) -> _Shape:
    key = id(schema)
    if key not in seen:  # a schema that refers to itself meets its own (unfinished) shape
        seen[key] = _Shape()
        _fill(seen[key], schema, resolver, seen, binding=True)
    return seen[key]


def _fill(
    shape: _Shape, schema: Any, resolver: Resolver[Any], seen: dict[int, _Shape], *, binding: bool
) -> None:
    """Merge ``schema`` into ``shape``: its ``$ref`` target and ``allOf`` members bind (their
    required properties are required), ``anyOf``/``oneOf`` members only add alternatives."""
    if not isinstance(schema, Mapping):
        return
    if "$ref" in schema:
        found = resolver.lookup(schema["$ref"])
        _fill(shape, found.contents, found.resolver, seen, binding=binding)
    for key in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(key, ()):
            _fill(shape, member, resolver, seen, binding=binding and key == "allOf")
    if binding:
        shape.required |= set(schema.get("required", ()))
    kinds = schema.get("type", ())
    shape.nullable |= "null" in ([kinds] if isinstance(kinds, str) else kinds)
    shape.nullable |= None in schema.get("enum", ())
    shape.keep_null |= bool(schema.get("x-keep-null"))
    shape.hint = shape.hint or schema.get("description")
    for name, sub in schema.get("properties", {}).items():
        shape.properties.setdefault(name, []).append(_shape(sub, resolver, seen))
    if isinstance(schema.get("items"), Mapping):
        shape.items.append(_shape(schema["items"], resolver, seen))


@cache
def _shape_of(ref: str) -> _Shape:
    return _shape({"$ref": ref}, contracts.resolver(), {})


def optional_nulls_dropped(
    validator: contracts.Check, document: Any, *, where: str = "body", refuse_required: bool = True
) -> Any:
    """``document`` without the properties that its schema (the validator's) declares but does
    not require and that hold ``null``: null there means absent (except where the schema marks
    the property ``x-keep-null``: there null is a value). A required property that is
    null and cannot be is refused naming it (unless ``refuse_required`` is false, for answers)."""
    return _dropped(document, _shape_of(validator.schema["$ref"]), (where,), refuse_required)


Where = tuple[Any, ...]  # (parent, step): a path built only when an error names it


def _named(where: Where) -> str:
    if len(where) == 1:
        return str(where[0])
    parent, step = where
    return _named(parent) + (f"[{step}]" if isinstance(step, int) else f".{step}")


def _dropped(value: Any, shape: _Shape, where: Where, refuse: bool) -> Any:
    """``value`` with its optional nulls dropped; the same object when it has none (answers
    are walked on every call, so only what the schema can change is looked at, and nothing is
    copied that needs no change)."""
    plan = shape.plan(refuse)
    if isinstance(value, dict):
        kept: dict[str, Any] | None = None
        for name in plan.optional:
            if name in value and value[name] is None:
                kept = dict(value) if kept is None else kept
                del kept[name]
        for name, shapes in plan.required:
            if name in value and value[name] is None:
                hint = next((s.hint for s in shapes if s.hint), None)
                raise SpotlerError.invalid_params(
                    f"{_named((where, name))} is null, but it is required: send a value"
                    + (f" ({hint})" if hint else "")
                )
        for name, walked in plan.nested:
            item = value.get(name)
            if not isinstance(item, dict | list):
                continue
            new = item
            for one in walked:
                new = _dropped(new, one, (where, name), refuse)
            if new is not item:
                kept = dict(value) if kept is None else kept
                kept[name] = new
        return value if kept is None else kept
    if isinstance(value, list) and plan.items:
        out: list[Any] | None = None
        for index, item in enumerate(value):
            if not isinstance(item, dict | list):
                continue
            new = item
            for one in plan.items:
                new = _dropped(new, one, (where, index), refuse)
            if new is not item:
                out = list(value) if out is None else out
                out[index] = new
        return value if out is None else out
    return value
