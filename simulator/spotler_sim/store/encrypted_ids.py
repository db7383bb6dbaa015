"""The encryptedId the simulator makes for a contact: its row id, enciphered.

24 lowercase hex characters (96 bits), opaque, the same for the same account and row in every
run and process: a four-round Feistel network over two halves of 48 bits, each round's function
BLAKE2b keyed with a fixed key and salted with the account id. Being invertible, an encryptedId
the simulator made is found by deciphering it to the row id and reading that row by its key.
Earlier versions made a SHA-256 of account and row and found it through an index of its own:
each new contact put a random key into that index, on a page of its own. A million contacts
written in batches of 100 then wrote 128-158 pages to the WAL per batch instead of 31-37,
took 53 s instead of 22 s, and the last batches cost 1.28 times the first (0.90 without it).

An encryptedId a fixture, seed or snapshot gives is kept as given (schema.sql:
``contacts.encrypted_given``), and so is a made one another contact has taken already: then the
contact gets the first of ``made()``'s spare ids that is free.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import count

_KEY = b"spotler-sim encryptedId"
_HALF_BITS = 48
_HALF = (1 << _HALF_BITS) - 1
_ROUNDS = 4
LARGEST_ROW = 2**63 - 1  # SQLite's largest rowid: the row ids an encryptedId is made of
_FORM = re.compile("[0-9a-f]{24}")


@lru_cache(maxsize=256)
def _round_functions(account_id: int) -> tuple[hashlib.blake2b, ...]:
    """One BLAKE2b state per round, keyed and salted for the account (copied, never updated)."""
    salt = account_id.to_bytes(16, "big", signed=True)
    return tuple(
        hashlib.blake2b(bytes([n]), digest_size=_HALF_BITS // 8, key=_KEY, salt=salt)
        for n in range(_ROUNDS)
    )


# Seeding looks up a chunk's made ids, then makes and writes each contact: the same ids again.
@lru_cache(maxsize=4096)
def encode(account_id: int, row: int) -> str:
    """The encryptedId made for row ``row`` (1 to LARGEST_ROW) of the contacts table."""
    if not 1 <= row <= LARGEST_ROW:
        raise ValueError(f"a contact's row id is between 1 and {LARGEST_ROW}, not {row}")
    left, right = row >> _HALF_BITS, row & _HALF
    for state in _round_functions(account_id):  # (inline: a call per round cost a quarter)
        mixed = state.copy()
        mixed.update(right.to_bytes(_HALF_BITS // 8, "big"))
        left, right = right, left ^ int.from_bytes(mixed.digest(), "big")
    return f"{left:012x}{right:012x}"


def decode(account_id: int, text: str) -> int | None:
    """The row id ``text`` was made of in this account; None when no row id makes it (any other
    text: another length, upper case, not hex)."""
    if not _FORM.fullmatch(text):
        return None
    value = int(text, 16)
    left, right = value >> _HALF_BITS, value & _HALF
    for state in reversed(_round_functions(account_id)):
        mixed = state.copy()
        mixed.update(left.to_bytes(_HALF_BITS // 8, "big"))
        left, right = right ^ int.from_bytes(mixed.digest(), "big"), left
    row = (left << _HALF_BITS) | right
    return row if 1 <= row <= LARGEST_ROW else None


def made(account_id: int, row: int) -> Iterator[str]:
    """The encryptedIds a new contact in row ``row`` may get, first choice first: the one
    enciphered from its row, then spares for when another contact holds that one as given
    (SHA-256 of account and row, as earlier versions made them; then with a counter)."""
    yield encode(account_id, row)
    for attempt in count():
        suffix = f":{attempt}" if attempt else ""
        yield hashlib.sha256(f"spotler-sim:{account_id}:{row}{suffix}".encode()).hexdigest()[:24]
