"""A tiny webshop-to-Spotler connector: the code under test in the example tests.

It pushes customers as contacts (an upsert, as real connectors do) and pulls the contacts that
changed in Spotler, walking time windows that end ten minutes before now, page by page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

MARGIN = timedelta(minutes=10)


def push_customer(api: httpx.Client, customer: dict[str, Any], attempts: int = 3) -> None:
    """Upsert a customer; a 5xx or a broken connection is tried again (an upsert is safe to
    repeat), up to ``attempts`` times."""
    body = {
        "update": True,
        "purge": False,
        "contact": {
            "externalId": str(customer["id"]),
            "properties": {"email": customer["email"], "firstName": customer["first_name"]},
        },
    }
    for attempt in range(1, attempts + 1):
        try:
            answer = api.post("/contact", json=body)
        except httpx.TransportError:
            if attempt == attempts:
                raise
            continue
        if answer.status_code < 500 or attempt == attempts:
            answer.raise_for_status()
            return


def changed_contacts(
    api: httpx.Client, since: datetime, now: datetime
) -> tuple[list[dict[str, Any]], datetime]:
    """Contacts changed from ``since`` up to ``now`` minus the margin, and the next ``since``."""
    until = now - MARGIN
    if until <= since:
        return [], since
    found = list(_pages(api, since, until))
    return found, until + timedelta(milliseconds=1)


def _pages(api: httpx.Client, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
    params: dict[str, Any] = {
        "fromDate": since.astimezone(UTC).isoformat(timespec="milliseconds"),
        "toDate": until.astimezone(UTC).isoformat(timespec="milliseconds"),
        "pageSize": 100,
    }
    while True:
        page = api.get("/contact/updates/list", params=params)
        page.raise_for_status()
        body = page.json()
        yield from body["contacts"]
        if "next" not in body["paging"]:
            return
        params["after"] = body["paging"]["after"]
