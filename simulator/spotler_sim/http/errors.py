"""Every error leaves the simulator in Spotler's shape: ``{"errorType": ..., "message": ...}``.

One handler each for our own refusals, for Werkzeug's HTTP errors (unknown path, wrong method,
body too large) and, as the last line of defence, for anything unexpected: never a traceback or
an HTML page.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from spotler_sim.config import ADMIN_PREFIX
from spotler_sim.errors import SpotlerError
from spotler_sim.http.context import answered_with, client_path
from spotler_sim.http.representation import render

log = logging.getLogger("simulator")

_HTTP_TYPES = {404: "RESOURCE_NOT_FOUND", 500: "BACKEND_EXCEPTION", 503: "BACKEND_EXCEPTION"}


def error_response(error: SpotlerError, headers: dict[str, str] | None = None) -> Response:
    answered_with(error.error_type)
    response = render(error.body(), error.status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers: dict[str, str] = {}
    if status == 404 and request.path.startswith(ADMIN_PREFIX):
        message = (
            f"no admin operation at {request.method} {request.path}: GET {ADMIN_PREFIX}/openapi.json "
            f"lists the admin API's routes (POST {ADMIN_PREFIX}/reset resets everything)"
        )
    elif status == 404:
        message = (
            f"no operation at {request.method} {client_path()}: check the path against "
            f"GET /openapi.json (the base is /integrationservice-1.1.0/)"
        )
    elif status == 405:
        allowed = exc.valid_methods if hasattr(exc, "valid_methods") else None
        message = f"{request.method} is not allowed on {client_path()}"
        if allowed:
            message += f"; use {', '.join(sorted(allowed))}"
            headers["Allow"] = ", ".join(sorted(allowed))
    elif status == 413:
        too_large = SpotlerError.body_too_large(
            request.max_content_length or 0, admin=request.path.startswith(ADMIN_PREFIX)
        )
        return error_response(too_large)
    else:
        message = exc.description or exc.name
    error = SpotlerError(status, _HTTP_TYPES.get(status, "INVALID_PARAMS"), message)
    return error_response(error, headers)


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error while answering %s %s", request.method, request.path)
    return error_response(
        SpotlerError(
            500,
            "BACKEND_EXCEPTION",
            "the simulator failed on this request; nothing was stored. The server log has the "
            "details: please report it with the request that caused it",
        )
    )


def register(app: Flask) -> None:
    app.register_error_handler(SpotlerError, error_response)
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(Exception, _unexpected)
