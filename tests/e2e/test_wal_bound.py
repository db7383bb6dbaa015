"""The database's write-ahead log stays small under a steady load of writes from two workers:
SQLite checkpoints it back into the file and starts it over as it fills. (A version that
checkpointed only after every thousand commits of a worker, outside the writer's turn, let the
log grow by 30 MB a second: with the other worker always reading, a rare checkpoint never
caught up, and the log never started over.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.plugins.simulator import serving

CALLS, THREADS = 2400, 8
LIMIT_MB = 16  # SQLite's own checkpoints keep it near 4 MB


def test_the_log_stays_small_while_two_workers_write(tmp_path: Path) -> None:
    db = tmp_path / "sim.db"
    with serving(tmp_path / "serve.log", "--workers", "2", "--db", str(db)) as server:

        def write(thread: int) -> list[int]:
            statuses = []
            with server.client() as api:
                for n in range(CALLS // THREADS):
                    contact = {"externalId": f"wal-{thread}-{n % 50}", "properties": {}}
                    answer = api.post("/contact", json={"update": True, "contact": contact})
                    statuses.append(answer.status_code)
            return statuses

        with ThreadPoolExecutor(THREADS) as pool:
            statuses = [s for done in pool.map(write, range(THREADS)) for s in done]
        assert set(statuses) == {204}
        wal_mb = Path(f"{db}-wal").stat().st_size / 1024**2
    assert wal_mb <= LIMIT_MB, f"the write-ahead log grew to {wal_mb:.0f} MB"
