"""The entities every rule talks about: accounts, their authentications and property definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from spotler_sim.domain.ratelimit import RateLimit

# The name a dedup rule uses for "the ID field linked to the calling authentication".
CALLER_ID = "externalId"
# The Spotler products an account can hold; audiences need Automation or eCommerce.
LICENCES = ("Email", "Automation", "eCommerce")
DEFAULT_LICENCE = "eCommerce"


@dataclass(frozen=True)
class LagPolicy:
    """How long a change takes to show in the updates and bounces lists.

    ``mode`` is ``none``, ``fixed`` (always ``seconds``) or ``random`` (seeded, uniform between 0
    and ``max_seconds``, the same for the same change in every run).
    """

    mode: str = "none"
    seconds: float = 0.0
    max_seconds: float = 0.0
    seed: int = 0

    def to_json(self) -> dict[str, Any]:
        if self.mode == "fixed":
            return {"mode": "fixed", "seconds": self.seconds}
        if self.mode == "random":
            return {"mode": "random", "maxSeconds": self.max_seconds, "seed": self.seed}
        return {"mode": "none"}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> LagPolicy:
        data = data or {}
        mode = str(data.get("mode", "none"))
        return cls(
            mode=mode,
            seconds=float(data.get("seconds", 0)),
            max_seconds=float(data.get("maxSeconds", 0)),
            seed=int(data.get("seed", 0)),
        )

    @property
    def upper_bound_seconds(self) -> float:
        """The longest any change can stay invisible under this policy."""
        return {"fixed": self.seconds, "random": self.max_seconds}.get(self.mode, 0.0)


@dataclass(frozen=True)
class PropertyDef:
    name: str
    type: str
    description: str
    entries: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "type": self.type,
        }
        if self.type == "set":
            out["entries"] = [dict(e) for e in self.entries]
        return out


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    id_fields: tuple[str, ...]
    dedup_rules: tuple[tuple[str, ...], ...]
    lag: LagPolicy
    list_shape: str = "paged"
    properties: tuple[PropertyDef, ...] = field(default=())
    product_properties: tuple[str, ...] = field(default=())  # custom product property names
    licence: str = DEFAULT_LICENCE  # the Spotler product the account holds
    rate_limit: RateLimit | None = None

    def property(self, name: str) -> PropertyDef | None:
        return self._properties_by_name.get(name)

    @cached_property
    def _properties_by_name(self) -> dict[str, PropertyDef]:
        return {prop.name: prop for prop in reversed(self.properties)}  # the first of a name wins


@dataclass(frozen=True)
class Authentication:
    key: str
    secret: str
    label: str
    id_field: str
    account_name: str


@dataclass(frozen=True)
class Caller:
    """Who made a call: the account of the signing key and the ID field that key is linked to."""

    account: Account
    auth: Authentication

    @property
    def id_field(self) -> str:
        return self.auth.id_field
