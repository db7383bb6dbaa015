"""The request being answered, read without Flask's proxy."""

from __future__ import annotations

from flask import Request, request


def this_request() -> Request:
    """The request itself rather than Flask's proxy of it, for code that reads it often: each
    read through the proxy looks the request up again."""
    found: Request = request._get_current_object()  # type: ignore[attr-defined]
    return found
