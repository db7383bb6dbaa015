"""``spotler-sim mailing send`` run as a user runs it, against a live ``spotler-sim serve``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.plugins.simulator import serving

WINTER = "bWFpbC13aW50ZXItc2FsZQ"  # seeded in the demo, never sent: what the send action is for


def ids(rows: list[dict[str, Any]]) -> list[str | None]:
    return [r["contactIdentifier"]["externalId"] for r in rows]


def test_the_cli_sends_a_mailing_and_says_what_became_of_it(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "spotler_sim.cli", "mailing", "send"]
    env = {**os.environ, "COLUMNS": "200"}
    with serving(tmp_path / "serve.log") as server:
        url = ["--url", server.base]
        done = subprocess.run(
            [*cli, WINTER, "--account", "demo", "--contact", "1001", "--contact", "1002",
             "--open", "1", "--click", "0.5", "--seed", "4", "--json", *url],
            capture_output=True, text=True, timeout=60, check=False, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(done.stdout)["sent"] == 2
        table = subprocess.run(
            [*cli, WINTER, "--account", "demo", "--where", "city=Rotterdam", *url],
            capture_output=True, text=True, timeout=60, check=False, env=env,
        )  # fmt: skip
        assert table.returncode == 0 and "sent in demo" in table.stdout, table.stdout + table.stderr
        wrong = subprocess.run(
            [*cli, "nope", "--account", "demo", *url],
            capture_output=True, text=True, timeout=60, check=False, env=env,
        )  # fmt: skip
        assert wrong.returncode == 1 and "no mailing 'nope'" in wrong.stdout
        with server.client() as api:
            recipients = api.get(f"/mailing/{WINTER}/recipients").json()["recipients"]
    assert sorted(ids(recipients)) == ["1001", "1002", "1003"]
