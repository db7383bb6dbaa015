"""Any text the API stores renders to XML that a strict parser reads back equal (issue 17)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from spotler_sim import contracts
from spotler_sim.errors import SpotlerError
from spotler_sim.http import validation, xmldoc

INSERT = contracts.operations()["insertContact"]
ERROR = contracts.named({"$ref": "#/components/schemas/ErrorResponse"})


def stored(text: str) -> str | None:
    """The firstName a contact insert would store, or None when the body is refused."""
    body = {"update": True, "contact": {"externalId": "p-1", "properties": {"firstName": text}}}
    raw = json.dumps(body).encode()  # \\u escapes: how JSON carries any text, surrogates too
    try:
        document = validation.body(INSERT, raw, "application/json")
    except SpotlerError as refused:
        assert refused.status == 400 and "U+" in refused.message
        return None
    return str(document["contact"]["properties"]["firstName"])


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
@example("a\u0001b")
@example("\u0000")
@example("\ud800")
@example("\ufffe")
@example("line\r\nbreak\r")
@example("  spaced  ")
@example("<&>\"'")
def test_any_stored_text_reads_back_equal_from_xml(text: str) -> None:
    kept = stored(text)
    if kept is None:
        assert xmldoc.UNWRITABLE.search(text) is not None
        return
    assert kept == text
    document = xmldoc.dump({"errorType": "INVALID_PARAMS", "message": kept}, ERROR)
    root = ET.fromstring(document)  # expat: strict, refuses any ill-formed document
    assert root.findtext("message", default="") == text


@pytest.mark.parametrize("text", ["\t", "\n", "\u00e9", "\U0001f600", "\ud7ff", "\ue000"])
def test_text_xml_can_carry_is_stored(text: str) -> None:
    assert stored(text) == text
