"""What a crash of the simulator keeps: every answered call's work and its journal entry, with
the state file synced at checkpoints (``serve --durable``) or not (the default)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import httpx
import pytest

from tests.plugins.simulator import serving


def _kill_everything(pid: int) -> None:
    """SIGKILL the server and its workers: no shutdown, no last checkpoint."""
    workers = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    assert workers, "the server has no workers to kill"
    os.kill(pid, signal.SIGKILL)
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):  # gone with its parent already
            os.kill(worker, signal.SIGKILL)


@pytest.mark.parametrize("durable", [False, True], ids=["default", "durable"])
def test_a_killed_simulator_keeps_every_answered_call(tmp_path: Path, durable: bool) -> None:
    db = tmp_path / "state.db"
    options = ["--db", str(db), "--workers", "2", *(["--durable"] if durable else [])]
    with serving(tmp_path / "first.log", *options) as live:
        health = httpx.get(live.base + "/__admin/health").json()
        assert health["durable"] is durable
        with live.client() as api:
            for n in range(20):
                answer = api.post(
                    "/contact",
                    json={"update": True, "contact": {"externalId": f"crash-{n}",
                                                      "properties": {"email": f"c{n}@e.nl"}}},
                )  # fmt: skip
                assert answer.status_code == 204, answer.text
        _kill_everything(live.server.process.pid)
        live.server.process.wait(timeout=30)
    with serving(tmp_path / "again.log", *options) as again:
        with again.client() as api:
            for n in range(20):
                found = api.get(f"/contact/crash-{n}")
                assert found.status_code == 200, found.text
                assert found.json()["properties"]["email"] == f"c{n}@e.nl"
        answered = httpx.get(
            again.base + "/__admin/requests", params={"operation": "insertContact", "status": 204}
        ).json()["requests"]
    assert len(answered) == 20
