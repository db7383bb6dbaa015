"""The dashboard at /__admin/, driven in headless chromium against a live simulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.plugins.simulator import DEMO_KEYS, LiveServer, serving


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("dashboard") / "serve.log", "--workers", "2") as live:
        yield live


@pytest.fixture
def page(browser: Chrome, server: LiveServer) -> Iterator[Chrome]:
    with httpx.Client(base_url=server.base + "/__admin") as admin:
        admin.delete("/faults")
        admin.delete("/requests")
        admin.put("/clock", json={"mode": "real"})
    browser.delete_all_cookies()
    browser.get(server.base + "/__admin/")
    yield browser


def api(server: LiveServer, secret: str | None = None) -> httpx.Client:
    key, right = DEMO_KEYS["webshop"]
    return server.signed(key, secret or right)


def wait_for(browser: Chrome, found: Callable[[], object], what: str, seconds: float = 10) -> None:
    # a page being replaced by the form's answer can hand out elements that go stale: look again
    ignored = (StaleElementReferenceException, NoSuchElementException)
    WebDriverWait(browser, seconds, poll_frequency=0.2, ignored_exceptions=ignored).until(
        lambda _: found(), message=f"the dashboard never showed {what}"
    )


def css(browser: Chrome, selector: str) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, selector)


def test_accounts_authentications_and_contacts(page: Chrome, server: LiveServer) -> None:
    demo = page.find_element(By.ID, "account-demo")
    assert "demo-webshop-secret" in demo.text and "externalCustomerId" in demo.text
    demo.find_element(By.CSS_SELECTOR, "details.contacts summary").click()
    assert "externalCustomerId=1001" in demo.text and "crmCustomerId=CRM-501" in demo.text
    with api(server) as client:
        body = {"contact": {"externalId": "2001", "properties": {"email": "new@example.com"}}}
        assert client.post("/contact", json=body).status_code == 204
    page.refresh()
    demo = page.find_element(By.ID, "account-demo")
    demo.find_element(By.CSS_SELECTOR, "details.contacts summary").click()
    first_row = demo.find_element(By.CSS_SELECTOR, "details.contacts tbody tr")
    assert "externalCustomerId=2001" in first_row.text and "new@example.com" in first_row.text


def test_clock_buttons(page: Chrome) -> None:
    field = page.find_element(By.NAME, "frozenAt")
    page.execute_script("arguments[0].value = '2026-11-02T12:00:00'", field)
    page.find_element(By.ID, "clock-freeze").click()
    wait_for(page, lambda: "frozen" in page.find_element(By.ID, "clock").text, "a frozen clock")
    assert page.find_element(By.ID, "clock-now").text.startswith("2026-11-02T12:00:00")
    page.find_element(By.ID, "clock-advance-10m").click()
    wait_for(
        page,
        lambda: page.find_element(By.ID, "clock-now").text.startswith("2026-11-02T12:10:00"),
        "the clock ten minutes on",
    )
    page.find_element(By.ID, "clock-real").click()
    wait_for(page, lambda: page.find_element(By.ID, "clock-mode").text == "real", "real time")


def test_a_fault_added_on_the_page_shows_in_the_live_journal(
    page: Chrome, server: LiveServer
) -> None:
    Select(page.find_element(By.ID, "fault-effect")).select_by_visible_text("status")
    page.find_element(By.ID, "fault-status").send_keys("503")
    page.find_element(By.ID, "fault-path").send_keys("/contact/{externalId}")
    page.find_element(By.ID, "fault-add").click()
    wait_for(page, lambda: css(page, "#fault-rows tr[data-fault]"), "the new fault rule")
    assert "path=/contact/{externalId}" in page.find_element(By.ID, "fault-rows").text

    with api(server) as client:  # the page stays open: the call must arrive by itself
        assert client.get("/contact/1001").status_code == 503
    wait_for(page, lambda: css(page, "details.entry .fault"), "the faulted call")
    entry = css(page, "details.entry")[0]
    assert "/contact/1001" in entry.text and "503" in entry.text and "fault" in entry.text
    entry.find_element(By.TAG_NAME, "summary").click()
    body = entry.find_element(By.CSS_SELECTOR, ".response-body").text
    assert "BACKEND_EXCEPTION" in body
    assert "<signed>" in entry.find_element(By.CSS_SELECTOR, ".headers").text
    wait_for(
        page,
        lambda: page.find_element(By.CSS_SELECTOR, "#fault-rows td.fired").text == "1",
        "the rule's fired counter at 1",
    )

    page.find_element(By.CSS_SELECTOR, "#fault-rows button.remove").click()
    wait_for(page, lambda: css(page, "#fault-rows tr.none"), "an empty fault table")
    with api(server) as client:
        assert client.get("/contact/1001").status_code == 200


def test_a_refused_signature_shows_the_server_base_string(page: Chrome, server: LiveServer) -> None:
    with api(server, secret="not-the-secret") as client:
        assert client.get("/contact/1001", params={"x": "1"}).status_code == 401
    page.get(server.base + "/__admin/?status=401")
    entry = css(page, "details.entry")[0]
    entry.find_element(By.TAG_NAME, "summary").click()
    base_string = entry.find_element(By.CSS_SELECTOR, ".base-string").text
    assert base_string.startswith("GET&http%3A%2F%2F127.0.0.1")
    assert "%2Fcontact%2F1001" in base_string and "x%3D1" in base_string


def test_journal_filters(page: Chrome, server: LiveServer) -> None:
    with api(server) as client:
        client.get("/contact/1001")
        client.get("/contact/1002")
        client.get("/contact/no-one")
    page.refresh()
    assert len(css(page, "details.entry")) == 3
    page.find_element(By.CSS_SELECTOR, "#journal-filters [name=status]").send_keys("404")
    page.find_element(By.ID, "journal-filter").click()
    wait_for(page, lambda: len(css(page, "details.entry")) == 1, "only the 404")
    assert "/contact/no-one" in css(page, "details.entry")[0].text
    with api(server) as client:  # live entries obey the filters too
        client.get("/contact/1003")
        client.get("/contact/nobody-else")
    wait_for(page, lambda: len(css(page, "details.entry")) == 2, "the new 404 alone")
    assert "/contact/nobody-else" in css(page, "details.entry")[0].text


def test_a_refused_form_says_why_on_the_page(page: Chrome) -> None:
    page.find_element(By.ID, "fault-status").send_keys("soon")
    page.find_element(By.ID, "fault-add").click()
    wait_for(page, lambda: css(page, "#form-error"), "the refusal")
    assert "is not of type 'integer'" in page.find_element(By.ID, "form-error").text
    assert not css(page, "#fault-rows tr[data-fault]")


def test_with_a_token_the_page_needs_it_once(browser: Chrome, tmp_path: Path) -> None:
    with serving(tmp_path / "serve.log", "--admin-token", "open-sesame") as live:
        browser.delete_all_cookies()
        browser.get(live.base + "/__admin/")
        assert "NOT_AUTHORIZED" in browser.page_source and "?token=" in browser.page_source
        browser.get(live.base + "/__admin/?token=open-sesame")
        assert browser.current_url == live.base + "/__admin/"  # the token left the address bar
        assert "demo-webshop" in browser.page_source
        browser.find_element(By.ID, "fault-add").click()  # a form works with the cookie
        wait_for(browser, lambda: css(browser, "#fault-rows tr[data-fault]"), "the fault")
        browser.delete_all_cookies()
