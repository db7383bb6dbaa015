"""The contract of the Spotler REST API (``openapi.yaml``), loaded once and handed out per operation.

Nothing else in the project keeps a copy of a schema: the simulator's request validation, the
property-value checks and the tests all get their validators from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    from referencing._core import Resolver

API = "openapi"  # the Spotler REST API
ADMIN = "admin"  # the simulator's own /__admin API and fixture documents
BASE_URI = "https://spotler-sim.invalid/contracts/"  # never fetched: every document is local
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def _uri(doc: str) -> str:
    """Where a document lives for ``$ref`` purposes; admin.yaml refers to ``openapi.yaml#/...``."""
    return f"{BASE_URI}{doc}.yaml"


def path(doc: str = API) -> Traversable:
    """The file of a document of this folder."""
    return resources.files(__name__).joinpath(f"{doc}.yaml")


@cache
def document(doc: str = API) -> dict[str, Any]:
    """An OpenAPI document of this folder (``openapi`` or ``admin``) as plain data."""
    text = path(doc).read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@cache
def _registry() -> Registry:
    registry: Registry = Registry()
    for doc in (API, ADMIN):
        resource = Resource.from_contents(document(doc), default_specification=DRAFT202012)
        registry = registry.with_resource(_uri(doc), resource)
    return registry


def resolver() -> Resolver[Any]:
    """A resolver of the ``$ref`` of every validator's schema (both documents are loaded)."""
    return _registry().resolver()


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _located(parts: tuple[str, ...], doc: str) -> tuple[str, ...]:
    """The same location with every ``$ref`` met on the way followed (a canonical pointer)."""
    node: Any = document(doc)
    where: list[str] = []
    for part in parts:
        while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
            where = [_unescape(p) for p in node["$ref"].removeprefix("#/").split("/")]
            node = document(doc)
            for step in where:
                node = node[step]
        node = node[int(part)] if isinstance(node, list) else node[part]
        where.append(part)
    return tuple(where)


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


@cache
def _compiled_registry() -> jsonschema_rs.Registry:
    return jsonschema_rs.Registry([(_uri(doc), document(doc)) for doc in (API, ADMIN)])


class Check:
    """A contract schema, checked twice as fast as it needs: jsonschema-rs (compiled) says
    whether a value is valid, and only a value it refuses is walked by python-jsonschema, which
    then decides and names the error. jsonschema-rs is the stricter of the two (formats, ``$``
    at the very end), so a value it accepts is one python-jsonschema accepts too; a property
    test holds it to that."""

    def __init__(self, doc: str, pointer: str) -> None:
        self.full: Validator = Draft202012Validator(
            {"$ref": f"{_uri(doc)}#/{pointer}"},
            registry=_registry(),
            format_checker=FormatChecker(),
        )
        self.fast = jsonschema_rs.Draft202012Validator(
            {"$ref": f"{_uri(doc)}#/{quote(pointer, safe='/~')}"},  # a strict URI: {} encoded
            registry=_compiled_registry(),
            validate_formats=True,
            base_uri=f"{BASE_URI}check",  # not a document's own URI: that would shadow it
        )

    @property
    def schema(self) -> Any:
        return self.full.schema

    def is_valid(self, instance: Any) -> bool:
        return self.fast.is_valid(instance) or self.full.is_valid(instance)

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self.fast.is_valid(instance):
            return iter(())
        errors: Iterator[ValidationError] = self.full.iter_errors(instance)
        return errors


def validator_at(*parts: str, doc: str = API) -> Check:
    """A validator for the schema found at a location inside a document."""
    return Check(doc, _pointer(*_located(parts, doc)))


def schema(name: str, doc: str = API) -> dict[str, Any]:
    """The raw schema ``#/components/schemas/<name>`` (for its description and bounds)."""
    found: dict[str, Any] = document(doc)["components"]["schemas"][name]
    return found


@cache
def schema_validator(name: str, doc: str = API) -> Check:
    """A validator for ``#/components/schemas/<name>`` of a document."""
    if name not in document(doc)["components"]["schemas"]:
        raise KeyError(f"contracts/{doc}.yaml has no schema named {name!r}")
    return validator_at("components", "schemas", name, doc=doc)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]
    validator: Check


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # OpenAPI template, e.g. /contact/{externalId}
    parameters: tuple[Parameter, ...]
    body_required: bool
    body_validators: dict[str, Check] = field(default_factory=dict)  # media type -> validator
    responses: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    @cached_property
    def reads_query(self) -> bool:
        """Whether any parameter it declares comes in the query string."""
        return any(p.location == "query" for p in self.parameters)

    @property
    def flask_rule(self) -> str:
        """The path as a Werkzeug rule: ``{x}`` becomes ``<x>`` (integers stay strings here)."""
        return self.path.replace("{", "<").replace("}", ">")


@cache
def _templates(doc: str = API) -> list[tuple[re.Pattern[str], int, str]]:
    """Each path of the contract as a pattern, with how many of its characters are literal."""
    found = []
    for template in document(doc)["paths"]:
        pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        found.append((pattern, len(re.sub(r"\{[^}]+\}", "", template)), template))
    return found


def allowed_methods(path: str, doc: str = API) -> list[str]:
    """The methods served at a concrete path: those of the most literal template matching it,
    as JAX-RS picks one (``/contact/list`` is not ``/contact/{id}``); HEAD with GET, and
    OPTIONS. Empty when no path of the contract matches."""
    matching = [(literal, t) for pattern, literal, t in _templates(doc) if pattern.match(path)]
    if not matching:
        return []
    template = max(matching)[1]
    methods = {m.upper() for m in document(doc)["paths"][template] if m in HTTP_METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods | {"OPTIONS"})


def resolve(node: dict[str, Any], doc: str = API) -> dict[str, Any]:
    """The node a ``$ref`` (or a chain of them) points to, or the node itself."""
    while "$ref" in node:
        target: Any = document(doc)
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[_unescape(part)]
        node = target
    return node


@cache
def operations(doc: str = API) -> dict[str, Operation]:
    """Every operation of a document, by operationId."""
    found: dict[str, Operation] = {}
    for path, item in document(doc)["paths"].items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            params = []
            for index, raw in enumerate([*shared, *op.get("parameters", [])]):
                param = resolve(raw, doc)
                if index < len(shared):
                    where: tuple[str, ...] = ("paths", path, "parameters", str(index), "schema")
                else:
                    where = (
                        "paths",
                        path,
                        method,
                        "parameters",
                        str(index - len(shared)),
                        "schema",
                    )
                params.append(
                    Parameter(
                        name=param["name"],
                        location=param["in"],
                        required=bool(param.get("required", param["in"] == "path")),
                        schema=resolve(param.get("schema", {}), doc),
                        validator=validator_at(*where, doc=doc),
                    )
                )
            body = op.get("requestBody")
            body_validators: dict[str, Check] = {}
            if body is not None:
                body = resolve(body, doc)
                for media in body.get("content", {}):
                    body_validators[media] = validator_at(
                        "paths", path, method, "requestBody", "content", media, "schema", doc=doc
                    )
            found[op["operationId"]] = Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                path=path,
                parameters=tuple(params),
                body_required=bool(body and body.get("required", False)),
                body_validators=body_validators,
                responses=op.get("responses", {}),
                tags=tuple(op.get("tags", ())),
            )
    return found


def response_key(operation_id: str, status: int) -> str | None:
    """The key under which an operation documents an answer of ``status`` (``404``, ``4XX`` or
    ``default``), or None when it documents none."""
    responses = operations()[operation_id].responses
    return next(
        (k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None
    )


def success_schema(operation_id: str) -> dict[str, Any] | None:
    """The resolved JSON schema of an operation's 200 answer, or None when it has none."""
    return media_schema(operation_id, "application/json", 200)


@cache  # asked on every answer; the contract does not change
def answers_xml(operation_id: str) -> bool:
    """Whether the operation answers in XML when asked (all but the reference's JSON-only ones:
    those whose 200 answer has no XML form)."""
    if "200" not in operations()[operation_id].responses:
        return True
    return media_schema(operation_id, "application/xml", 200) is not None


def media_schema(operation_id: str, media: str, status: int | None = None) -> dict[str, Any] | None:
    """The resolved schema of an operation's request body (``status`` None) or of one of its
    answers, in one media type; None when it has none there. A schema that is a reference and
    names no XML element of its own is named after the component, as JAXB names a root element
    after its class (``ErrorResponse`` -> ``errorResponse``)."""
    op = operations()[operation_id]
    if status is None:
        node = document()["paths"][op.path][op.method.lower()].get("requestBody")
    else:
        key = response_key(operation_id, status)
        node = op.responses[key] if key is not None else None
    content = resolve(node).get("content", {}) if node is not None else {}
    found = content.get(media)
    if not found or "schema" not in found:
        return None
    return named(found["schema"])


def named(node: dict[str, Any]) -> dict[str, Any]:
    """A schema resolved, carrying the name of its XML element: its own ``xml.name``, or for a
    reference to a component the component's name as JAXB names a class's element
    (``ErrorResponse`` -> ``errorResponse``)."""
    schema = resolve(node)
    if "$ref" in node and "name" not in schema.get("xml", {}):
        component = node["$ref"].rsplit("/", 1)[-1]
        xml = {**schema.get("xml", {}), "name": component[:1].lower() + component[1:]}
        schema = {**schema, "xml": xml}
    return schema


def response_validator(
    operation_id: str, status: int, media: str = "application/json"
) -> Check | None:
    """A validator for one documented response body, or None when it has no body."""
    op = operations()[operation_id]
    key = response_key(operation_id, status)
    if key is not None:
        if media not in resolve(op.responses[key]).get("content", {}):
            return None
        method = op.method.lower()
        return validator_at("paths", op.path, method, "responses", key, "content", media, "schema")
    raise KeyError(f"{operation_id} documents no response with status {status}")
