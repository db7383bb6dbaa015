"""JSON answers are written once per call by one encoder made at import: byte for byte what
Flask's ``jsonify`` writes (outside debug mode, keys in the order given), with its type."""

from __future__ import annotations

import datetime
from typing import Any

from flask import Flask, jsonify
from hypothesis import given
from hypothesis import strategies as st

from spotler_sim.http import representation

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def both(document: Any) -> tuple[Any, Any]:
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # as create_app sets it
    with app.test_request_context(headers={"Accept": "application/json"}):
        return representation.render(document, 201), jsonify(document)


@given(DOCUMENTS)
def test_a_json_answer_is_what_jsonify_writes(document: Any) -> None:
    ours, flasks = both(document)
    assert ours.get_data() == flasks.get_data()
    assert ours.headers["Content-Type"] == flasks.headers["Content-Type"]
    assert ours.status_code == 201


def test_dates_are_written_as_flask_writes_them() -> None:
    ours, flasks = both({"at": datetime.date(2026, 11, 27)})
    assert ours.get_data() == flasks.get_data()
