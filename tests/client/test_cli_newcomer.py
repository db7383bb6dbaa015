"""Papercuts a newcomer hit with ``spotler-connector``: one rule for a missing outbox, the
overview served without Flask's development-server warning, and help on every option of both
command lines."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from spotler_connector.cli import parser as connector_parser
from spotler_connector.queue import Outbox
from spotler_sim.cli import build_parser as simulator_parser
from spotler_sim.testing.server import running


def connector(*args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "spotler_connector.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["run", "--once", "--key", "k", "--secret", "s", "--url", "http://127.0.0.1:9"],
        ["status"],
        ["failed"],
    ],
)
def test_every_command_refuses_a_missing_outbox_alike(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo.db"
    code, out = connector("--db", str(missing), *command)
    assert code == 2, out
    assert f"no outbox at {missing}" in out and "--db" in out
    assert not missing.exists()  # run no longer makes an empty outbox the others then refuse


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def overview_log(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    outbox = Outbox(tmp_path / "shop.db")
    outbox.enqueue("contact", "1001", "contact.insert", {"contact": {"externalId": "1001"}})
    port = _free_port()
    log = tmp_path / "overview.log"
    command = [sys.executable, "-m", "spotler_connector.cli", "--db", str(outbox.path)]
    base = f"http://127.0.0.1:{port}/"
    with running([*command, "overview", "--port", str(port)], base, log):
        yield base, log


def test_the_overview_is_served_without_the_development_server_warning(
    overview_log: tuple[str, Path],
) -> None:
    base, log = overview_log
    page = httpx.get(base + "?view=all")
    assert page.status_code == 200 and "1001" in page.text
    text = log.read_text()
    assert "development server" not in text.lower(), text
    assert "overview of" in text


def _options(parser: argparse.ArgumentParser, where: str) -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{where} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield f"{where} {'/'.join(action.option_strings) or action.dest}", action


@pytest.mark.parametrize(
    "parser", [connector_parser(), simulator_parser()], ids=["spotler-connector", "spotler-sim"]
)
def test_every_option_of_both_command_lines_has_help(parser: argparse.ArgumentParser) -> None:
    options = list(_options(parser, parser.prog))
    assert len(options) > 20
    silent = [name for name, action in options if not (action.help or "").strip()]
    assert not silent, f"options without help: {silent}"
