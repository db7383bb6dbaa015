"""``spotler-connector demo --keep`` as a newcomer runs it: it starts the overview it promises,
and a SIGTERM (a closed terminal, a container stop) stops the simulator and the overview too."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.waiting import wait_for

DEADLINE = 300.0  # seconds for the demo's bad day on a busy machine


def _refuses(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.TransportError:
        return True
    return False


def test_keep_serves_the_overview_and_sigterm_stops_everything(tmp_path: Path) -> None:
    out = tmp_path / "demo.out"
    command = [sys.executable, "-m", "spotler_connector.cli", "demo", "--customers", "6"]
    with out.open("w") as sink:
        demo = subprocess.Popen(
            [*command, "--orders", "4", "--keep"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "300"},
        )
    try:
        wait_for(
            lambda: "Ctrl-C ends the demo" in out.read_text() or demo.poll() is not None,
            "the demo to finish its day",
            timeout=DEADLINE,
        )
        text = out.read_text()
        assert demo.poll() is None, text
        simulator = re.search(r"simulator dashboard: (http://\S+)", text)
        overview = re.search(r"connector overview:\s+(http://\S+)", text)
        outbox = re.search(r"outbox: (\S+shop\.db)", text)
        assert simulator and overview and outbox, text
        page = httpx.get(overview.group(1) + "?view=all")
        assert page.status_code == 200 and "delivered" in page.text
        assert httpx.get(simulator.group(1)).status_code == 200
        log = (Path(outbox.group(1)).parent / "overview.log").read_text()
        assert "development server" not in log.lower(), log
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    wait_for(lambda: _refuses(simulator.group(1)), "the simulator to stop", timeout=30)
    wait_for(lambda: _refuses(overview.group(1)), "the overview to stop", timeout=30)
