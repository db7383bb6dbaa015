"""The in-run baselines of `make bench`'s throughput table, served by gunicorn -w2 as the
simulator is: a Flask hello app and a raw WSGI app answering a contact-sized JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response

# What GET /contact/{id} answers for a demo contact, near enough in size.
CONTACT = json.dumps(
    {
        "externalId": "1001",
        "encryptedId": "bc0a87954f1e4a6b8d2c7e3f",
        "testGroup": False,
        "lastChanged": "2026-11-27T06:00:00.000+01:00",
        "temporary": False,
        "properties": {
            "email": "anna.devries@example.com", "firstName": "Anna", "infix": "de",
            "lastName": "Vries", "gender": "F", "city": "Utrecht", "postalCode": "3511 AB",
            "birthday": "1988-04-12", "permissions": [{"bit": 1, "enabled": True}],
        },
        "channels": [{"name": "EMAIL", "value": True}],
    }
).encode()  # fmt: skip

flask_hello = Flask("hello")


@flask_hello.get("/")
def hello() -> Response:
    return Response("Hello, World!", mimetype="text/plain")


def raw_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(CONTACT)))]
    )
    return [CONTACT]
