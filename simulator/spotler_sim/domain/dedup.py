"""Deduplication: which existing contact an incoming contact is.

An account has an ordered list of rules; each rule is a set of fields (``email``, ``externalId``
for the ID field linked to the calling key, or an ID field named outright). The first rule whose
fields all have a value in the incoming contact and all match one existing contact decides.
With e-mail first and one ID field shared by two systems, this reproduces the contamination the
vendor warns about; with one ID field per system it does not.
"""

from __future__ import annotations

from typing import Protocol

from spotler_sim.domain.model import CALLER_ID


class IdentityLookup(Protocol):
    def by_email(self, email_key: str) -> list[int]: ...
    def by_external_id(self, field: str, value: str) -> int | None: ...


def find_match(
    lookup: IdentityLookup,
    rules: tuple[tuple[str, ...], ...],
    caller_field: str,
    external_id: str | None,
    email_key: str | None,
) -> tuple[int, tuple[str, ...]] | None:
    """The existing contact and the rule that matched it, or None for a new contact."""
    for rule in rules:
        candidates: set[int] | None = None
        for field in rule:
            if field == "email":
                if email_key is None:
                    candidates = set()
                    break
                found = set(lookup.by_email(email_key))
            else:
                id_field = caller_field if field == CALLER_ID else field
                if id_field != caller_field or external_id is None:
                    # The caller only gives a value for its own ID field (if any).
                    candidates = set()
                    break
                hit = lookup.by_external_id(id_field, external_id)
                found = {hit} if hit is not None else set()
            candidates = found if candidates is None else candidates & found
        if candidates:
            return min(candidates), rule
    return None
