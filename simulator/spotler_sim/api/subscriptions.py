"""Handler of POST /subscription/subscribe: a bare contact, upserted through the contact rules."""

from __future__ import annotations

from flask import Response, g

from spotler_sim.api import contact_repo, no_content, operation
from spotler_sim.domain import contacts


@operation("subscribeContact")
def subscribe(**_: str) -> Response:
    with contact_repo(write=True) as (repo, now):
        contacts.subscribe(repo, g.caller, g.body, now)
    return no_content()
