"""Refusals say in plain words what is expected, with an example from the contract: never a
regular expression, nor JSON Schema's "not valid under any of the given schemas"."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from spotler_sim import contracts
from spotler_sim.errors import SpotlerError
from spotler_sim.http import validation
from tests.plugins.simulator import Sim

DATE = re.compile(contracts.document()["components"]["schemas"]["ISODateParam"]["pattern"])
SCHEMA_WORDS = ("does not match", "\\d", "^", "under any of the given schemas")


def assert_plain(message: str, sent: str = "") -> None:
    """No schema wording in ``message`` beyond the value that was sent, which it echoes."""
    told = message.replace(repr(sent), "") if sent else message
    for words in SCHEMA_WORDS:
        assert words not in told, message


def test_a_date_parameter_says_which_forms_it_takes_with_an_example(sim: Sim) -> None:
    message = sim.refused(
        "/contact/updates/list", 400, "INVALID_PARAMS", fromDate="yesterday", toDate="2026-01-01"
    )
    assert_plain(message)
    assert "fromDate='yesterday' is invalid: 'yesterday' is not written as expected" in message
    assert "a date (yyyy-mm-dd) or date-time" in message and "e.g. 2026-11-01" in message


# Control characters are refused before the form is looked at (another message, its own test).
PRINTABLE = st.characters(exclude_categories=("Cc", "Cs"))


@given(st.text(PRINTABLE, max_size=30).filter(lambda text: text and not DATE.fullmatch(text)))
def test_no_refused_date_shows_the_pattern(text: str) -> None:
    op = contracts.operations()["getUpdatedContactsJson"]
    try:
        validation.parameters(op, {}, {"fromDate": text, "toDate": "2026-01-01"})
    except SpotlerError as refusal:
        assert_plain(refusal.message, text)
        assert "e.g. " in refusal.message
    else:
        raise AssertionError(f"{text!r} was taken as a date")


def test_a_fault_window_says_what_an_instant_looks_like(sim: Sim) -> None:
    rule = {"effect": {"type": "status"}, "window": {"from": "2026-01-01", "to": "tomorrow"}}
    with sim.admin() as admin:
        answer = admin.post("/faults", json=rule)
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert_plain(message)
    assert message.startswith("body.window.to: 'tomorrow' is not written as expected")
    assert "ISO 8601 date-time" in message and "e.g. 2026-11-02T02:00:00Z" in message


def test_a_latency_fault_without_ms_names_ms_and_shows_a_latency_example(sim: Sim) -> None:
    with sim.admin() as admin:
        answer = admin.post("/faults", json={"effect": {"type": "latency"}})
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert_plain(message)
    assert message.startswith("body.effect: 'ms' is a required property")
    assert "a delay of ms milliseconds" in message
    assert 'e.g. {"type": "latency", "ms": 200, "maxMs": 1500}' in message


def test_an_effect_of_no_known_type_lists_nothing_it_cannot_use(sim: Sim) -> None:
    with sim.admin() as admin:
        answer = admin.post("/faults", json={"effect": {"type": "explode"}})
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert_plain(message)
    assert "not one of the accepted forms" in message
