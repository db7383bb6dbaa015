"""A real browser for the web pages: Debian's chromium, headless, on loopback only."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# Without the background-networking flags chromium keeps trying to reach Google's hosts.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError(
            "chromium is not installed: run `make test` (it installs Debian's chromium) or "
            "`apt-get install chromium chromium-driver`"
        )
    return found


def chromedriver() -> str:
    found = shutil.which("chromedriver")
    if found is None:
        raise RuntimeError(
            "chromedriver is not installed: run `make test` (it installs Debian's "
            "chromium-driver) or `apt-get install chromium-driver`"
        )
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless chromium driven through Debian's chromedriver (never a downloaded one)."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1400,1000")
    driver = webdriver.Chrome(service=Service(chromedriver()), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def rendered_dom(url: str, *, budget_ms: int = 15000) -> str:
    """The page's DOM after its scripts ran, as chromium serializes it."""
    with tempfile.TemporaryDirectory(prefix="spotler-sim-chromium-") as profile:
        done = subprocess.run(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout
