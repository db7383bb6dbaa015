"""The raw WSGI baseline served by spotler-sim's own server (its gunicorn worker with the front
that frames, parses and answers: worker.py), as `make bench`'s throughput table runs it: what
the server costs a call when the app costs next to nothing.

Run: python bench/front_server.py PORT DATABASE
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baselines import raw_wsgi

from spotler_sim.config import Config
from spotler_sim.server import GunicornServer
from spotler_sim.store import Database


class RawApp:
    """raw_wsgi with what the worker reads of the simulator's app: its database, to ask whether
    a call may wait (none can: the file holds no fault rules)."""

    def __init__(self, db_path: str) -> None:
        self.extensions = {"spotler": SimpleNamespace(state=SimpleNamespace(db=Database(db_path)))}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return raw_wsgi(environ, start_response)


class RawServer(GunicornServer):
    def load(self) -> Any:
        return RawApp(self.config.db_path)


if __name__ == "__main__":
    port, db_path = int(sys.argv[1]), sys.argv[2]
    config = Config(db_path=db_path, host="127.0.0.1", port=port, workers=2, log_level="warning")
    RawServer(config).run()
