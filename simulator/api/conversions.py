"""Handler of ``POST /conversion``: one transaction around a call of the domain."""

from __future__ import annotations

from flask import Response, g

from simulator.api import no_content, operation, transaction
from simulator.domain import conversions
from simulator.store.contacts import SqliteContacts
from simulator.store.conversions import SqliteConversions
from simulator.store.products import SqliteProducts


@operation("createConversionInteraction")
def create_conversion(**_: str) -> Response:
    account_id = g.caller.account.id
    with transaction(write=True) as (conn, now):
        conversions.record(
            SqliteConversions(conn, account_id),
            SqliteContacts(conn, account_id),
            SqliteProducts(conn, account_id),
            g.body,
            now,
        )
    return no_content()
