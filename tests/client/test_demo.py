"""`spotler-connector demo` as the README shows it, at a smaller size."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_demo_syncs_the_webshop_through_a_bad_day() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spotler_connector.cli",
            "demo",
            "--customers",
            "12",
            "--orders",
            "8",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "COLUMNS": "160"},
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "having a bad day (connector-demo)" in out
    assert "needed more than one attempt" in out
    assert "failed: the operator sees this" in out and "INVALID_PROPERTY" in out
    assert "was discarded" in out
    assert "and matches the shop exactly" in out
    assert "the simulator's verdicts on the connector: no error verdict" in out
