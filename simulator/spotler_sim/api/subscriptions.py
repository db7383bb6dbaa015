"""Handler of POST /subscription/subscribe: a bare contact, upserted through the contact rules."""

from __future__ import annotations

from flask import Response

from spotler_sim.api import no_content, operation
from spotler_sim.domain import contacts
from spotler_sim.http.context import Call


@operation("subscribeContact")
def subscribe(call: Call) -> Response:
    with call.store(write=True) as (store, now):
        contacts.subscribe(store.contacts, call.caller, call.body, now)
    return no_content()
