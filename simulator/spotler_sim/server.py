"""Serving the app under gunicorn: every worker opens the same SQLite file, so state is shared."""

from __future__ import annotations

import socket
from typing import Any

from gunicorn.app.base import BaseApplication

from spotler_sim.app import create_app
from spotler_sim.config import Config
from spotler_sim.worker import (
    HEADER_COUNT_LIMIT,
    HEADER_FIELD_LIMIT,
    REQUEST_LINE_LIMIT,
    BufferingWorker,
)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


KEEPALIVE_SECONDS = 75  # as nginx's default


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with threaded workers; each worker builds the app after the fork."""

    def __init__(self, config: Config) -> None:
        self.config = config
        super().__init__()

    def load_config(self) -> None:
        settings: dict[str, Any] = {
            "bind": f"{self.config.host}:{self.config.port}",
            "workers": self.config.workers,
            # gthread with a front that hands a thread only whole requests (see worker.py)
            "worker_class": BufferingWorker,
            "threads": self.config.threads,
            "timeout": 120,
            # An idle kept-alive connection stays open this long. gunicorn's 2 s closed it just
            # as a client that had waited a short Retry-After sent its next call on it (a reset
            # the client cannot tell from a fault); idle connections cost no thread here.
            "keepalive": KEEPALIVE_SECONDS,
            "graceful_timeout": 5,
            "loglevel": self.config.log_level,
            "accesslog": "-" if self.config.log_level == "debug" else None,
            "errorlog": "-",
            "proc_name": "spotler-sim",
            # Refused in Spotler's shape by the worker (see worker.py for every limit).
            "limit_request_line": REQUEST_LINE_LIMIT,
            "limit_request_fields": HEADER_COUNT_LIMIT,
            "limit_request_field_size": HEADER_FIELD_LIMIT,
        }
        if self.config.tls_cert:  # HTTPS on the same port: serve --tls or --tls-cert/--tls-key
            settings.update(certfile=self.config.tls_cert, keyfile=self.config.tls_key)
        # gunicorn 24+ opens a control socket at one fixed path per user, which every running
        # instance (tests start many at once) fights over; nothing here uses it.
        if "control_socket_disable" in self.cfg.settings:
            settings["control_socket_disable"] = True
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.config)
