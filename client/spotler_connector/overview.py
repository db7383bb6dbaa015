"""The failed-calls overview as a Flask blueprint a host application mounts in its back end.

    from spotler_connector.overview import overview_blueprint
    app.register_blueprint(overview_blueprint(outbox), url_prefix="/admin/spotler")

It lists the outbox's calls (failed ones first by default) with filters, and offers retry and
discard buttons. It has no login of its own: mount it behind the host's authentication. Its forms
refuse posts from other origins; add the host's CSRF protection if it has one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from spotler_connector.queue import OPEN, STATES, Call, Outbox, QueueError

NAME = "spotler_overview"
VIEWS = {
    "failed": ("failed",),
    "waiting": OPEN,
    "delivered": ("delivered",),
    "discarded": ("discarded",),
    "all": STATES,
}


def moment(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def when(call: Call) -> str:
    """Next attempt for a waiting call, failed/finished time for the others."""
    if call.state in ("pending", "leased"):
        return f"next {moment(call.next_attempt_at)}"
    return f"{call.state} {moment(call.finished_at)}"


def last_error(call: Call, width: int | None = None) -> str:
    """``503 BACKEND_EXCEPTION: message``, the message clipped to ``width`` characters."""
    if not call.last_error_type and not call.last_error:
        return ""
    message = call.last_error or ""
    if width is not None and len(message) > width:
        message = message[: width - 1] + "…"
    status = f"{call.last_status} " if call.last_status else ""
    return f"{status}{call.last_error_type or ''}: {message}".strip(": ")


def overview_blueprint(outbox: Outbox) -> Blueprint:
    blueprint = Blueprint(NAME, __name__, template_folder="templates")

    @blueprint.before_request
    def same_origin_posts_only() -> None:
        if request.method == "POST" and not _same_origin():
            abort(403, "this form only accepts posts from its own page")

    @blueprint.get("/")
    def calls() -> str:
        view = request.args.get("view", "failed")
        filters = {k: request.args.get(k, "").strip() for k in ("entity", "key", "error_type")}
        found = outbox.calls(
            states=VIEWS.get(view, VIEWS["failed"]),
            entity=filters["entity"] or None,
            key=filters["key"] or None,
            error_type=filters["error_type"] or None,
            limit=500,
        )
        return render_template(
            "spotler_connector/overview.html",
            calls=found,
            counts=outbox.counts(),
            view=view if view in VIEWS else "failed",
            views=list(VIEWS),
            filters=filters,
            notice=request.args.get("notice", ""),
            problem=request.args.get("problem", ""),
            moment=moment,
            when=when,
            last_error=last_error,
        )

    def _back(**message: str) -> Response:
        args: dict[str, Any] = {
            k: v for k, v in request.form.items() if k in ("view", "entity", "key", "error_type")
        }
        args.update({k: v for k, v in message.items() if v})
        return redirect(url_for(f"{NAME}.calls", **args), code=303)  # type: ignore[return-value]

    @blueprint.post("/<int:call_id>/retry")
    def retry(call_id: int) -> Response:
        try:
            outbox.retry(call_id)
        except QueueError as exc:
            return _back(problem=str(exc))
        return _back(notice=f"call {call_id} is waiting again, due now")

    @blueprint.post("/<int:call_id>/discard")
    def discard(call_id: int) -> Response:
        try:
            outbox.discard(call_id, "discarded from the overview")
        except QueueError as exc:
            return _back(problem=str(exc))
        return _back(notice=f"call {call_id} discarded; it stays listed under 'discarded'")

    @blueprint.post("/retry-failed")
    def retry_failed() -> Response:
        done, refused = outbox.retry_all_failed()
        notice = f"{done} failed call(s) waiting again"
        return _back(notice=notice, problem=" ".join(refused))

    return blueprint


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}
    return urlsplit(origin).netloc == request.host
