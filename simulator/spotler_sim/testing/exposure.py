"""The exposure report as people read it: a table for a terminal, a self-contained HTML page,
and both files written side by side (shared by the pytest plugin and ``spotler-sim exposure``)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spotler_sim.domain.exposure import counted

_PAGES = Environment(
    loader=PackageLoader("spotler_sim", "templates"), autoescape=select_autoescape()
)


PARTS = ("statuses", "errorTypes", "faultEffects", "verdicts")


def table(report: dict[str, Any]) -> Table:
    """Per operation: calls, statuses, errorTypes, fault effects and verdicts."""
    calls = report["calls"]
    found = Table(title=f"What the connector's calls met ({calls} call{'s' * (calls != 1)})")
    for column in ("operation", "calls", "statuses", "errorTypes", "fault effects", "verdicts"):
        found.add_column(column, overflow="fold")
    for op in report["operations"]:
        found.add_row(
            escape(op["operation"]), str(op["calls"]),
            *(counted(op[part], "\n") for part in PARTS),
        )  # fmt: skip
    return found


def unmet_lines(report: dict[str, Any]) -> list[str]:
    """One line per failure mode never met, with how to meet it."""
    return [f"never met {gap['what']}: {gap['suggestion']}" for gap in report["unmet"]]


def text(report: dict[str, Any], width: int = 160) -> str:
    """The table and the suggestions as plain text (no colour), for pytest's summary."""
    sink = io.StringIO()
    console = Console(file=sink, width=width, no_color=True, highlight=False)
    console.print(table(report))
    for line in unmet_lines(report):
        console.print(line, markup=False)
    errors = sum(v["severity"] == "error" for v in report["verdicts"])
    console.print(f"{len(report['verdicts'])} verdict(s), {errors} of them errors", markup=False)
    return sink.getvalue()


def html(report: dict[str, Any], generated: str | None = None) -> str:
    page = _PAGES.get_template("exposure/report.html")
    return page.render(report=report, counted=counted, generated=generated)


def write(report: dict[str, Any], path: str | Path) -> tuple[Path, Path]:
    """``PATH.json`` (the full report) and ``PATH.html`` (the page); PATH's own suffix is
    replaced. Returns both paths."""
    base = Path(path)
    base.parent.mkdir(parents=True, exist_ok=True)
    as_json, as_html = base.with_suffix(".json"), base.with_suffix(".html")
    as_json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    as_html.write_text(html(report), encoding="utf-8")
    return as_json, as_html
