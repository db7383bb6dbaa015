"""The application factory: wires the store, the services, the blueprints and the error shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from inspect import iscoroutinefunction
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, request
from flask.ctx import RequestContext
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, Rule

from spotler_sim.admin import build_blueprint as build_admin_blueprint
from spotler_sim.admin import dashboard
from spotler_sim.api import build_blueprint
from spotler_sim.config import ADMIN_PREFIX, API_PREFIXES, Config
from spotler_sim.exchange import WSGIApp
from spotler_sim.http import context as http_context
from spotler_sim.http import errors as http_errors
from spotler_sim.http import hosts
from spotler_sim.pages import pages
from spotler_sim.process import process_id
from spotler_sim.state import State
from spotler_sim.store import Database

API_PREFIX, OLDER_PREFIX = API_PREFIXES


@lru_cache(maxsize=1024)  # the views and hooks are the same functions on every request
def _is_async(func: Callable[..., Any]) -> bool:
    return iscoroutinefunction(func)


Matched = tuple[Rule, Mapping[str, Any]]


class SimulatorFlask(Flask):
    """Flask, with two things it does on every request done once instead:

    * whether a function is ``async def`` is asked once per function (Flask asks again for
      every hook and view on every request: eight times a call to the API);
    * the view of a method and path is found once per path (Flask binds its URL map to each
      request and matches the path again): a request binds the map only when something asks
      for it (building a URL, a path not matched before), and its view comes from the paths
      matched so far. The map does not change once the app is made, and no rule depends on
      the host, so the same method and path always find the same view.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matched = lru_cache(maxsize=4096)(self._match)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        return self.async_to_sync(func) if _is_async(func) else func

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return _Routed(self, environ)

    def create_url_adapter(self, request: Any) -> MapAdapter | None:
        if request is None:
            return super().create_url_adapter(None)
        bound = _BoundWhenAsked(lambda: super(SimulatorFlask, self).create_url_adapter(request))
        return bound  # type: ignore[return-value]  # a MapAdapter as soon as it is used

    def _match(self, method: str, script: str, path: str) -> Matched | None:
        """The rule and arguments of a path, or None when it matches no view as it is (not
        found, another method, a redirect: Flask answers those from the request itself)."""
        adapter = self.url_map.bind("sim.invalid", script_name=script, path_info=path)
        try:
            rule, args = adapter.match(method=method, return_rule=True)
        except HTTPException:
            return None
        return rule, args


class _BoundWhenAsked:
    """The URL map bound to a request, bound the first time it is used."""

    def __init__(self, bind: Callable[[], MapAdapter | None]) -> None:
        self._bind = bind
        self._adapter: MapAdapter | None = None

    def __getattr__(self, name: str) -> Any:
        if self._adapter is None:
            self._adapter = self._bind()
        return getattr(self._adapter, name)


class _Routed(RequestContext):
    app: SimulatorFlask

    def match_request(self) -> None:
        environ = self.request.environ
        found = self.app.matched(
            environ["REQUEST_METHOD"],
            _decoded(environ.get("SCRIPT_NAME", "")),
            _decoded(environ.get("PATH_INFO", "")),
        )
        if found is None:
            super().match_request()
            return
        rule, args = found
        self.request.url_rule, self.request.view_args = rule, dict(args)


def _decoded(wsgi_string: str) -> str:
    """A path as Werkzeug routes it (PEP 3333 gives it as latin-1)."""
    return wsgi_string.encode("latin-1").decode(errors="replace")


def routed_path(path: str) -> str:
    """The path the one API blueprint routes: the older ``/integrationservice`` base maps onto
    ``/integrationservice-1.1.0``, and ``/contact/`` routes like ``/contact`` (one slash: what
    is left of ``/templist/%2F`` names a list, and is not found)."""
    if path == OLDER_PREFIX or path.startswith(OLDER_PREFIX + "/"):
        path = API_PREFIX + path[len(OLDER_PREFIX) :]
    if len(path) > 1 and path.endswith("/") and path.startswith(API_PREFIX):
        path = path[:-1]  # the one slash of a collection path (more: an id of encoded slashes)
    return path


class RawPathMiddleware:
    """Keeps the URI the client signed and the base path it used, then routes the path as
    ``routed_path()`` says.

    Real clients post to collection paths with a trailing slash and sign that exact path, so the
    signature is checked against the raw URI while routing sees the path without the slash.
    Clients of the older base path get links (paging ``next``) on that base path.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        if not raw:  # servers that keep no raw URI: rebuild it before the path is rewritten
            raw = quote(
                (environ.get("SCRIPT_NAME", "") + path).encode("latin-1"), safe="/@:!$&'()*+,;=~"
            )
            if environ.get("QUERY_STRING"):
                raw += "?" + environ["QUERY_STRING"]
        environ["spotler.raw_uri"] = raw
        routed = routed_path(path)
        if routed != path:
            environ["PATH_INFO"] = routed
            environ["spotler.client_path"] = path
        return self.app(environ, start_response)


def create_app(config: Config, state: State | None = None) -> Flask:
    app = SimulatorFlask("spotler_sim")
    # A path with '//' in it is not merged and redirected: decoded, '%2F' in an id makes one,
    # and the redirect would send the call on to another id (with a signature made for this one).
    app.url_map.merge_slashes = False
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    state = state or State(Database(config.db_path, durable=config.durable))
    state.sweep_leftovers()
    app.extensions["spotler"] = http_context.build_services(config, state)

    http_errors.register(app)
    app.before_request(hosts.check_host)
    http_context.register(app)
    app.register_blueprint(build_blueprint("api"), url_prefix=API_PREFIX)
    app.register_blueprint(build_admin_blueprint())
    app.register_blueprint(dashboard)
    app.register_blueprint(pages)  # /, /docs/, /guide/ and the contract

    @app.before_request
    def admin_body_limit() -> None:
        if request.path.startswith(ADMIN_PREFIX):  # seeds and snapshots are large on purpose
            request.max_content_length = config.max_admin_body_bytes

    @app.after_request
    def worker_header(response: Response) -> Response:
        response.headers["X-Spotler-Sim-Worker"] = str(process_id())
        if response.status_code == 204:  # no body, so no type for it
            response.headers.pop("Content-Type", None)
        return response

    app.wsgi_app = RawPathMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    return app
