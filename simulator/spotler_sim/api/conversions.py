"""Handler of ``POST /conversion``: one transaction around a call of the domain."""

from __future__ import annotations

from flask import Response, g

from spotler_sim.api import no_content, operation, transaction
from spotler_sim.domain import conversions
from spotler_sim.store.contacts import SqliteContacts
from spotler_sim.store.conversions import SqliteConversions
from spotler_sim.store.products import SqliteProducts


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
