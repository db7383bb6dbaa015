"""The API docs page, rendered by a real browser from assets the simulator serves itself."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from spotler_sim import contracts
from tests.plugins.browser import rendered_dom
from tests.plugins.simulator import serving


def test_the_docs_page_renders_every_operation_from_local_assets(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log") as server:
        html = httpx.get(server.base + "/docs/").text
        dom = rendered_dom(server.base + "/docs/")
    # Every script and stylesheet comes from the simulator itself: no CDN.
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not src.startswith(("http://", "https://", "//")), src
    assert "Unable to render" not in dom
    for op in contracts.operations().values():
        assert f'id="operations-{op.tags[0]}-{op.operation_id}"' in dom, op.operation_id
