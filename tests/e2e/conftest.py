"""Browser fixtures: Debian's Chromium driven by Playwright, at tablet sizes.

Never downloads a browser: it launches /usr/bin/chromium (CHROMIUM_PATH overrides).
Without it the browser tests skip locally and fail under CI=true. Screenshots go to
test-artifacts/ so a person can look at them.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

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


# Every page reports Content-Security-Policy violations back to the test, through a
# binding exposed to the page. Init scripts run outside the page's policy, so the
# listener itself is never refused.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__nghisuCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: location.pathname,
  });
}, true);
"""
# A misspelt Permissions-Policy feature is a console error too.
CSP_CONSOLE_MARKERS = ("Content Security Policy", "Refused to", "Permissions-Policy")


def watch_csp(context, violations: list[str]) -> None:
    """Record every CSP violation of the context's pages in ``violations``."""

    def on_event(source, info):
        violations.append(
            f"{info.get('page')}: {info.get('directive')} blocked "
            f"{info.get('blocked') or 'inline'} ({info.get('source')}:"
            f"{info.get('line')}) {info.get('sample') or ''}".rstrip()
        )

    def on_console(message):
        if any(marker in message.text for marker in CSP_CONSOLE_MARKERS):
            violations.append(f"console: {message.text}")

    context.expose_binding("__nghisuCspViolation", on_event)
    context.add_init_script(CSP_LISTENER)
    context.on("console", on_console)


def _wait_for_function(self, expression, *, arg=None, timeout=None, polling=None):
    """``wait_for_function`` that works under the pages' CSP.

    Playwright's own polls with ``eval`` inside the page, which a policy without
    'unsafe-eval' refuses. This polls from the test through ``evaluate``
    (DevTools evaluation, which the policy does not govern), with the same
    arguments; a predicate that throws counts as false until the time is up.
    Returns the predicate's truthy value."""
    limit = time.monotonic() + (timeout if timeout is not None else 15_000) / 1000
    interval = polling if isinstance(polling, (int, float)) else 50
    while True:
        try:
            value, error = self.evaluate(expression, arg), None
        except PlaywrightError as exc:  # e.g. null.textContent, or mid-navigation
            value, error = None, exc
        if value:
            return value
        if time.monotonic() > limit:
            raise PlaywrightTimeoutError(
                f"wait_for_function timed out: {expression!r}"
                + (f" (last error: {error})" if error else "")
            )
        self.wait_for_timeout(interval)


Page.wait_for_function = _wait_for_function
Frame.wait_for_function = _wait_for_function


@pytest.fixture
def new_context(browser):
    """Make browser contexts (one per person) that close after the test.

    Their pages run under the server's Content-Security-Policy; any violation (or
    a Permissions-Policy header error) fails the test when it ends, with the list
    of what was refused."""
    contexts = []
    violations: list[str] = []

    def make(viewport=TABLET_PORTRAIT, **kwargs):
        context = browser.new_context(
            viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **kwargs
        )
        context.set_default_timeout(15_000)
        watch_csp(context, violations)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    if violations:
        unique = list(dict.fromkeys(violations))
        pytest.fail(
            "Policy violations (Content-Security-Policy, Permissions-Policy):\n"
            + "\n".join(unique),
            pytrace=False,
        )


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
