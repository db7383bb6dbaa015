"""One error type for the whole simulator, shaped once as Spotler's ``ErrorResponse``.

Domain code raises :class:`SpotlerError`; the Flask layer (``spotler_sim.http.errors``) turns it,
and every other failure, into ``{"errorType": ..., "message": ...}`` with the right status.
Messages say what went wrong and what to do next.
"""

from __future__ import annotations

from typing import Any


class SpotlerError(Exception):
    """A refusal the real Spotler API would answer with an ``ErrorResponse`` body."""

    def __init__(
        self, status: int, error_type: str, message: str, *, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        # Fields an operation's own error model adds (automation triggers answer a ``result``).
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        return {**self.extra, "errorType": self.error_type, "message": self.message}

    # Constructors for the refusals that recur; each says what to do next.
    @classmethod
    def invalid_params(cls, message: str) -> SpotlerError:
        return cls(400, "INVALID_PARAMS", message)

    @classmethod
    def body_too_large(cls, limit: int, *, admin: bool) -> SpotlerError:
        """A body over the limit of its path, whether framed by length or by chunks."""
        if admin:  # seeds and snapshots are large on purpose
            advice = "seed at most 100,000 contacts per call, in several calls when there are more"
            return cls(
                413, "INVALID_PARAMS", f"the request body is over the admin API's limit of "
                f"{limit:,} bytes: {advice}",
            )  # fmt: skip
        return cls(
            413,
            "INVALID_PARAMS",
            f"the request body is over the API's limit of {limit:,} bytes: send at most 100 "
            "contacts per batch",
        )

    @classmethod
    def invalid_property(cls, message: str) -> SpotlerError:
        return cls(400, "INVALID_PROPERTY", message)

    @classmethod
    def contact_not_found(cls, field: str, external_id: str, *, status: int = 404) -> SpotlerError:
        return cls(
            status,
            "CONTACT_NOT_FOUND",
            f"no contact has {field} = {external_id!r} in this account; insert it first "
            f"(POST /contact) or check which ID field your key is linked to",
        )

    @classmethod
    def contact_already_exists(cls, how: str) -> SpotlerError:
        return cls(
            400,
            "CONTACT_ALREADY_EXISTS",
            f'a contact already exists ({how}); send "update": true to update it instead',
        )

    @classmethod
    def too_many_requests(cls, retry_after: int, why: str = "") -> SpotlerError:
        """429, as a rate-limit fault and the account's rate limit answer it."""
        reason = f" ({why})" if why else ""
        return cls(
            429,
            "INVALID_STATE",
            f"too many requests{reason}: retry after {retry_after} seconds (Retry-After)",
        )

    @classmethod
    def resource_not_found(cls, message: str) -> SpotlerError:
        return cls(404, "RESOURCE_NOT_FOUND", message)

    @classmethod
    def id_not_unique(cls, kind: str, external_id: str, hint: str) -> SpotlerError:
        return cls(
            400,
            "ID_NOTUNIQUE",
            f"externalId must be unique: a {kind} {external_id!r} exists; {hint}",
        )

    @classmethod
    def product_not_found(cls, external_ids: list[str], *, status: int = 404) -> SpotlerError:
        names = ", ".join(repr(i) for i in external_ids)
        return cls(
            status,
            "PRODUCT_NOTFOUND",
            f"product not found with externalProductId: {names} (never inserted, or deleted); "
            f"insert it with POST /product first (GET /product/search?MPSearchQuery=externalId=... "
            f"finds products)",
        )

    @classmethod
    def order_not_found(cls, external_id: str) -> SpotlerError:
        return cls(
            404,
            "ORDER_NOTFOUND",
            f"no order has externalId {external_id!r} in this account (never inserted, or "
            f'deleted already); POST /order inserts one, with "update": true it inserts or '
            f"replaces",
        )
