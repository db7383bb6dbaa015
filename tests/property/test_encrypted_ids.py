"""The encryptedIds the simulator makes: each deciphers to the row it was made of, no two rows of
an account share one, any other text deciphers to no row, and the ids stay what they were (a
client or a snapshot keeps them across runs and versions)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotler_sim.store.encrypted_ids import LARGEST_ROW, decode, encode, made
from tests.plugins.hypothesis_profiles import scaled

accounts = st.integers(1, 2**63 - 1)
rows = st.integers(1, LARGEST_ROW)


@settings(max_examples=scaled(300))
@given(accounts, rows)
def test_an_encrypted_id_deciphers_to_its_row(account: int, row: int) -> None:
    made_id = encode(account, row)
    assert re.fullmatch("[0-9a-f]{24}", made_id), made_id  # the look of Spotler's
    assert decode(account, made_id) == row


@settings(max_examples=scaled(100))
@given(accounts, st.lists(rows, min_size=2, max_size=50, unique=True))
def test_no_two_rows_of_an_account_share_an_encrypted_id(account: int, some: list[int]) -> None:
    assert len({encode(account, row) for row in some}) == len(some)


@settings(max_examples=scaled(100))
@given(accounts, st.integers(1, 10**6))
def test_consecutive_rows_look_unrelated(account: int, row: int) -> None:
    """Opaque: neighbouring rows share no run of leading characters (the lookups of the old
    index were random; nothing here is read in order either)."""
    first, second = encode(account, row), encode(account, row + 1)
    assert first[:8] != second[:8] and first[-8:] != second[-8:]


@settings(max_examples=scaled(300))
@given(accounts, st.text(max_size=30) | st.from_regex("[0-9a-fA-F]{22,26}", fullmatch=True))
def test_any_other_text_deciphers_to_no_row_or_to_the_row_that_makes_it(
    account: int, text: str
) -> None:
    row = decode(account, text)
    assert row is None or encode(account, row) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not an id",
        "0" * 24,  # deciphers to a number, but to no row (0 or past the largest)
        "f" * 24,
        "٣" * 24,  # digits, but not ASCII ones: int() would take them
        " " + "a" * 23,
        "0x" + "a" * 22,
        "a" * 23 + "\n",
        "a" * 100_000,
    ],
)
def test_text_no_row_makes_deciphers_to_none(text: str) -> None:
    row = decode(1, text)
    assert row is None or encode(1, row) == text
    if not re.fullmatch("[0-9a-f]{24}", text):
        assert row is None


def test_an_encrypted_id_of_another_account_is_another() -> None:
    assert encode(1, 7) != encode(2, 7)
    assert decode(2, encode(1, 7)) != 7


def test_the_ids_are_the_same_in_every_process_and_version() -> None:
    """Stored in files and snapshots and kept by clients: a new key or round count would make
    every kept id name no one. (Another process: nothing in them depends on hash seeds.)"""
    program = "from spotler_sim.store.encrypted_ids import encode; print(encode(1, 1001))"
    other = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == encode(1, 1001) == "6db5730f6d71a6b55a521414"


def test_the_spares_are_new_and_the_first_is_what_earlier_versions_made() -> None:
    candidates = made(3, 42)
    first, spares = next(candidates), [next(candidates) for _ in range(3)]
    assert first == encode(3, 42)
    assert spares[0] == hashlib.sha256(b"spotler-sim:3:42").hexdigest()[:24]
    assert len({first, *spares}) == 4
    assert all(re.fullmatch("[0-9a-f]{24}", spare) for spare in spares)
