"""``spotler-connector`` as an operator runs it: in a subprocess, reading its output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from spotler_connector.queue import Outbox
from tests.plugins.outbox import fail
from tests.plugins.simulator import DEMO_KEYS, LiveServer


def connector(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "spotler_connector.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_failed_lists_a_table_with_filters_and_json(outbox: Outbox) -> None:
    a = fail(outbox, "contact", "1001")
    fail(outbox, "order", "O-7", error_type="PRODUCT_NOTFOUND")
    db = str(outbox.path)
    code, out = connector("--db", db, "failed")
    assert code == 0
    for heading in ("id", "entity", "key", "operation", "attempts", "first queued", "last error"):
        assert heading in out
    assert "400 INVALID_PROPERTY: 1001 was refused" in out and "O-7" in out
    code, out = connector("--db", db, "failed", "--entity", "contact", "--json")
    listed = json.loads(out)
    assert [c["id"] for c in listed] == [a] and listed[0]["state"] == "failed"
    code, out = connector("--db", db, "failed", "--key", "nobody")
    assert "no failed calls match these filters" in out


def test_retry_one_or_all_and_the_refusal_that_protects_newer_data(outbox: Outbox) -> None:
    a, b = fail(outbox, "contact", "1001"), fail(outbox, "contact", "1002")
    db = str(outbox.path)
    code, out = connector("--db", db, "retry", str(a))
    assert code == 0 and f"call {a} is waiting again" in out
    assert outbox.get(a).state == "pending"  # type: ignore[union-attr]
    code, out = connector("--db", db, "retry", str(a))
    assert code == 2 and "not failed: nothing to retry" in out
    code, out = connector("--db", db, "retry", "--all-failed")
    assert code == 0 and "1 failed call(s) waiting again" in out
    assert outbox.get(b).state == "pending"  # type: ignore[union-attr]
    code, out = connector("--db", db, "retry")
    assert code == 2 and "--all-failed" in out


def test_discard_asks_before_it_gives_up_on_a_call(outbox: Outbox) -> None:
    call_id = fail(outbox, "contact", "1001")
    db = str(outbox.path)
    code, out = connector("--db", db, "discard", str(call_id), stdin="n\n")
    assert code == 1 and "kept" in out and f"Discard call {call_id}?" in out
    assert outbox.get(call_id).state == "failed"  # type: ignore[union-attr]
    code, out = connector("--db", db, "discard", str(call_id), stdin="y\n")
    assert code == 0 and outbox.get(call_id).state == "discarded"  # type: ignore[union-attr]
    code, out = connector("--db", db, "failed", "--view", "discarded")
    assert str(call_id) in out


def test_errors_say_what_to_do(tmp_path: Path, outbox: Outbox) -> None:
    code, out = connector("--db", str(tmp_path / "nope.db"), "failed")
    assert code == 2 and "pass --db (or set SPOTLER_CONNECTOR_DB)" in out
    code, out = connector("--db", str(outbox.path), "run", "--once", env={"SPOTLER_KEY": ""})
    assert code == 2 and "pass --key or set SPOTLER_KEY" in out
    code, out = connector("--db", str(outbox.path), "discard", "99", "--yes")
    assert code == 2 and "no call 99" in out


def test_run_once_delivers_what_is_due_and_shows_the_counts(
    live_server: LiveServer, outbox: Outbox
) -> None:
    for n in range(3):
        outbox.enqueue("contact", f"77{n}", "contact.upsert", {"properties": {"firstName": "X"}})
    outbox.enqueue("contact", "1001", "contact.insert", {"properties": {}})  # exists: permanent
    key, secret = DEMO_KEYS["webshop"]
    code, out = connector(
        "--db", str(outbox.path), "run", "--once", "--url", live_server.base,
        "--key", key, "--secret", secret,
    )  # fmt: skip
    assert code == 0, out
    assert "delivered" in out and "3 delivered" in out and "1 failed" in out
    counts = outbox.counts()
    assert counts["delivered"] == 3 and counts["failed"] == 1
    [failed] = outbox.calls(states=("failed",))
    assert failed.last_error_type == "CONTACT_ALREADY_EXISTS" and failed.attempts == 1
