"""The failed-calls overview, served by ``spotler-connector overview`` and driven in chromium."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.alert import Alert
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from spotler_connector.queue import Outbox
from spotler_sim.testing.server import free_port, running
from tests.plugins.outbox import claim, fail


@pytest.fixture
def overview(outbox: Outbox, tmp_path: Path) -> Iterator[str]:
    """``spotler-connector overview`` on a free port, as an operator starts it."""
    port = free_port()
    command = [sys.executable, "-m", "spotler_connector.cli", "--db", str(outbox.path), "overview"]
    base = f"http://127.0.0.1:{port}/"
    with running([*command, "--port", str(port)], base, tmp_path / "overview.log"):
        yield base


def rows(browser: Chrome) -> dict[str, str]:
    found = browser.find_elements(By.CSS_SELECTOR, "#calls tbody tr[id^=call-]")
    return {row.get_attribute("id") or "": row.text for row in found}


def test_failed_calls_are_listed_with_their_error_and_filtered(
    browser: Chrome, overview: str, outbox: Outbox
) -> None:
    a = fail(outbox, "contact", "1001")
    b = fail(outbox, "order", "O-1", error_type="PRODUCT_NOTFOUND")
    outbox.enqueue("contact", "1002", "contact.update", {})  # waiting, not failed
    browser.get(overview)
    listed = rows(browser)
    assert set(listed) == {f"call-{a}", f"call-{b}"}
    assert "INVALID_PROPERTY: 1001 was refused" in listed[f"call-{a}"]
    assert browser.find_element(By.ID, "count-failed").text == "2"

    browser.find_element(By.NAME, "entity").send_keys("order")
    browser.find_element(By.ID, "filter").click()
    WebDriverWait(browser, 5).until(lambda br: "entity=order" in br.current_url)
    assert set(rows(browser)) == {f"call-{b}"}

    browser.get(overview + "?view=waiting")
    assert len(rows(browser)) == 1 and "contact.update" in next(iter(rows(browser).values()))


def test_retry_puts_a_failed_call_back_in_line(
    browser: Chrome, overview: str, outbox: Outbox
) -> None:
    call_id = fail(outbox, "contact", "1001")
    browser.get(overview)
    browser.find_element(By.CSS_SELECTOR, f"#call-{call_id} button.retry").click()
    WebDriverWait(browser, 5).until(lambda br: br.find_elements(By.ID, "notice"))
    assert "waiting again" in browser.find_element(By.ID, "notice").text
    retried = outbox.get(call_id)
    assert retried is not None and retried.state == "pending" and retried.attempts == 0
    assert rows(browser) == {}


def test_discard_asks_first_and_keeps_a_tombstone(
    browser: Chrome, overview: str, outbox: Outbox
) -> None:
    call_id = fail(outbox, "product", "P1")
    browser.get(overview)
    browser.find_element(By.CSS_SELECTOR, f"#call-{call_id} button.discard").click()
    alert: Alert = WebDriverWait(browser, 5).until(expected_conditions.alert_is_present())
    assert f"Discard call {call_id}?" in alert.text
    alert.dismiss()
    assert outbox.get(call_id).state == "failed"  # type: ignore[union-attr]

    browser.find_element(By.CSS_SELECTOR, f"#call-{call_id} button.discard").click()
    WebDriverWait(browser, 5).until(expected_conditions.alert_is_present()).accept()
    WebDriverWait(browser, 5).until(lambda b: b.find_elements(By.ID, "notice"))
    assert outbox.get(call_id).state == "discarded"  # type: ignore[union-attr]
    browser.get(overview + "?view=discarded")
    assert f"call-{call_id}" in rows(browser)


def test_a_retry_that_would_send_older_data_over_newer_is_refused_with_the_reason(
    browser: Chrome, overview: str, outbox: Outbox
) -> None:
    old = fail(outbox, "contact", "1001")
    newer = outbox.enqueue("contact", "1001", "contact.update", {})
    assert outbox.delivered(claim(outbox, newer))
    browser.get(overview)
    browser.find_element(By.CSS_SELECTOR, f"#call-{old} button.retry").click()
    WebDriverWait(browser, 5).until(lambda br: br.find_elements(By.ID, "problem"))
    problem = browser.find_element(By.ID, "problem").text
    assert f"call {newer}" in problem and "older data over newer" in problem
    assert outbox.get(old).state == "failed"  # type: ignore[union-attr]


def test_posts_from_another_origin_are_refused(overview: str, outbox: Outbox) -> None:
    call_id = fail(outbox, "contact", "1001")
    refused = httpx.post(f"{overview}{call_id}/discard", headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert outbox.get(call_id).state == "failed"  # type: ignore[union-attr]
