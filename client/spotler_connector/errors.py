"""What can go wrong when calling Spotler, as exceptions that say whether trying again can help.

Two kinds, kept apart: the service *answered* with an error (:class:`ApiError` and its families,
raised from Spotler's ``{"errorType", "message"}`` body), or no answer arrived
(:class:`TransportError`, :class:`Timeout`). ``transient`` tells a queue whether to retry:
network failures, timeouts, 5xx and 429 are; a 4xx with an ``errorType`` is not, because the
same call will be refused the same way until someone changes it.
"""

from __future__ import annotations

import email.utils
import time
from typing import Any, ClassVar


class SpotlerError(Exception):
    """Base of every error the client raises."""

    transient: bool = False
    status: int | None = None
    error_type: str | None = None
    retry_after: float | None = None  # seconds, from a 429's or 5xx's Retry-After

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- no answer --------------------------------------------------------------------------------


class TransportError(SpotlerError):
    """The connection failed. ``sent`` is False when the request cannot have reached Spotler
    (the connection was never made), True when it may have: the outcome is then unknown."""

    transient = True

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class Timeout(TransportError):
    """No answer in time; the request may have been applied."""


# ---- an answer ---------------------------------------------------------------------------------


class ApiError(SpotlerError):
    """Spotler answered with an error body. Subclasses group the ``errorType`` values."""

    error_types: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, status: int, error_type: str | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type

    def __str__(self) -> str:
        return f"{self.status} {self.error_type or 'no errorType'}: {self.message}"


class InvalidRequest(ApiError):
    """The call itself is wrong: fix the data or the code that built it."""

    error_types = frozenset(
        {"INVALID_PARAMS", "INVALID_PROPERTY", "INVALID_STATE", "INVALID_MAILING", "CONTACT_OPTOUT"}
    )


class AuthenticationFailed(ApiError):
    """The Key/Secret was refused or does not exist: check the connector's credentials."""

    error_types = frozenset({"NOT_AUTHORIZED", "AUTH_NOT_FOUND"})


class NotFound(ApiError):
    """What the call names does not exist (contact, product, order, campaign, form, ...)."""

    error_types = frozenset(
        {"CONTACT_NOT_FOUND", "PRODUCT_NOTFOUND", "ORDER_NOTFOUND", "RESOURCE_NOT_FOUND",
         "TRIGGER_NOTFOUND", "CAMPAIGN_NOTFOUND", "MAILING_NOTFOUND", "FORM_NOT_FOUND",
         "FORMRESULT_NOT_FOUND"}
    )  # fmt: skip


class Conflict(ApiError):
    """It exists already: insert with ``update`` to upsert, or choose another id."""

    error_types = frozenset({"ID_NOTUNIQUE", "NAME_ALREADY_IN_USE", "CONTACT_ALREADY_EXISTS"})


class ServiceError(ApiError):
    """Spotler failed (5xx): nothing is wrong with the call; try again later, and not before
    ``retry_after`` seconds when the answer said so (a 503 during maintenance)."""

    transient = True

    def __init__(
        self, status: int, error_type: str | None, message: str, retry_after: float | None = None
    ):
        super().__init__(status, error_type, message)
        self.retry_after = retry_after


class RateLimited(ApiError):
    """Too many calls (429): wait at least ``retry_after`` seconds."""

    transient = True

    def __init__(self, status: int, error_type: str | None, message: str, retry_after: float):
        super().__init__(status, error_type, message)
        self.retry_after = retry_after


FAMILIES: tuple[type[ApiError], ...] = (InvalidRequest, AuthenticationFailed, NotFound, Conflict)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Read ``Retry-After``: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def from_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> ApiError:
    """The exception for an error answer: by status first (429, 5xx), then by ``errorType``."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    error_type = body.get("errorType") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    message = str(message or f"Spotler answered {status} without an error body")
    wait = retry_after_seconds(headers.get("retry-after"))
    if status == 429:
        return RateLimited(status, error_type, message, 60.0 if wait is None else wait)
    if status >= 500:
        return ServiceError(status, error_type, message, wait)
    for family in FAMILIES:
        if error_type in family.error_types:
            return family(status, error_type, message)
    if status in (401, 403):
        return AuthenticationFailed(status, error_type, message)
    if status == 404:
        return NotFound(status, error_type, message)
    return InvalidRequest(status, error_type, message)
