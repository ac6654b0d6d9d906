"""Browser fixtures: Debian's Chromium driven by Playwright, at tablet sizes.

Never downloads a browser: it launches /usr/bin/chromium (CHROMIUM_PATH overrides).
Without it the browser tests skip locally and fail under CI=true. Screenshots go to
test-artifacts/ so a person can look at them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import services

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TABLET_PORTRAIT = {"width": 768, "height": 1024}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs its own event loop; Django must allow ORM calls from
# the test thread while it does.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads and rendered pages of a browser test stay in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; closed after it, so Playwright's event loop
    never outlives the module and async tests that follow get a clean thread."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        services.missing(
            f"Chromium not found at {CHROMIUM} (apt-get install chromium)",
            required=os.environ.get("CI", "").lower() == "true",
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser):
    """Make browser contexts (one per person) that close after the test."""
    contexts = []

    def make(viewport=TABLET_PORTRAIT, **kwargs):
        context = browser.new_context(
            viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **kwargs
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def login(page, base_url: str, username: str, password: str = "pw-Test-123!") -> None:
    """Sign in through the real login form."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_horizontal_scroll(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"
