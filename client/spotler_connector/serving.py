"""The overview served the way the simulator is served: under gunicorn, not Flask's development
server (which warns, in red, that it is not for this).

One worker with a few threads: the overview reads and changes one SQLite outbox, and a second
process would only add a second connection to it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from spotler_connector.overview import overview_blueprint
from spotler_connector.queue import Outbox


def overview_app(outbox: Outbox) -> Flask:
    """A Flask app holding only the overview, at the root."""
    app = Flask("spotler_connector")
    app.register_blueprint(overview_blueprint(outbox), url_prefix="/")
    return app


class OverviewServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving the overview of one outbox on 127.0.0.1."""

    def __init__(self, outbox: Outbox, port: int) -> None:
        self.outbox = outbox
        self.port = port
        super().__init__()

    def load_config(self) -> None:
        settings: dict[str, Any] = {
            "bind": f"127.0.0.1:{self.port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": 4,
            "graceful_timeout": 5,
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "spotler-connector-overview",
        }
        # gunicorn 24+ opens a control socket at one fixed path per user, which every running
        # instance (tests start many at once) fights over; nothing here uses it.
        if "control_socket_disable" in self.cfg.settings:
            settings["control_socket_disable"] = True
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return overview_app(self.outbox)
