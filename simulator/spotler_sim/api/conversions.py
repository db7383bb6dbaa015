"""Handler of ``POST /conversion``: one transaction around a call of the domain."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import no_content, operation
from spotler_sim.domain import conversions
from spotler_sim.http.context import Call


@operation("createConversionInteraction")
def create_conversion(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        conversions.record(store.conversions, store.contacts, store.products, call.body, now)
    return no_content()
