"""The API docs page, rendered by a real browser from assets the simulator serves itself."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

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


def _try_it_out(browser: Any, base: str, key: str, secret: str) -> tuple[str, str]:
    """Open GET /contact/{externalId} on the docs page, try it out for 1001 signed with ``key``
    and ``secret``, and read the status and the body Swagger UI shows."""
    browser.get(base + "/docs/")
    wait = WebDriverWait(browser, 30)
    for field, value in (("sim-key", key), ("sim-secret", secret)):
        box = browser.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    operation = wait.until(
        lambda b: b.find_element(By.CSS_SELECTOR, "#operations-contact-getContact")
    )
    # opened by a click: Swagger UI resolves an operation's $refs when it is expanded
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(lambda b: operation.find_element(By.CSS_SELECTOR, ".try-out__btn")).click()
    box = wait.until(
        lambda b: operation.find_element(By.CSS_SELECTOR, "tr[data-param-name='externalId'] input")
    )
    box.clear()
    box.send_keys("1001")
    operation.find_element(By.CSS_SELECTOR, ".execute").click()
    status = wait.until(
        lambda b: operation.find_element(
            By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status"
        )
    )
    body = wait.until(
        lambda b: operation.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight")
    )
    return status.text.strip(), body.text


def test_try_it_out_signs_in_the_browser_and_answers_the_contact(
    tmp_path: Path, browser: Any
) -> None:
    with serving(tmp_path / "serve.log") as server:
        status, body = _try_it_out(browser, server.base, "demo-webshop", "demo-webshop-secret")
        assert status == "200", body
        assert json.loads(body)["properties"]["email"] == "anna.devries@example.com"
        # the Secret the user types is the one that signs: a wrong one is refused
        status, body = _try_it_out(browser, server.base, "demo-webshop", "wrong-secret")
        assert status == "401" and "NOT_AUTHORIZED" in body
        journal = httpx.get(server.base + "/__admin/requests", params={"path": "/contact/1001"})
    statuses = [e["status"] for e in journal.json()["requests"]]
    assert sorted(statuses) == [200, 401]


def test_the_admin_contract_is_browsable_beside_the_api(tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log") as server:
        dom = rendered_dom(server.base + "/docs/?urls.primaryName=spotler-sim%20admin%20API")
    assert 'id="operations-default-health"' in dom
    assert 'id="operations-default-addFault"' in dom
