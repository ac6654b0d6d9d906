"""Pages under the Content-Security-Policy in Chromium.

Every page of every browser test already fails on a violation (conftest.py). These
add what the other tests do not visit: the admin, and a page whose policy names
only ``'self'`` in ``connect-src``, to show that Chromium lets ``'self'`` cover the
page's own ws: origin (CSP Level 3).
"""

from __future__ import annotations

import pytest

from nghisu import security
from tests.e2e.conftest import TABLET_LANDSCAPE, login, screenshot
from tests.realtime.servers import free_port

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_the_admin_works_under_its_policy(live_server, new_context, cast, monkeypatch):
    from django.contrib import admin

    from accounts.models import AuditEvent

    # A change list without an action bar prints Django's one inline style
    # block, the one the admin's policy allows by hash.
    model_admin = admin.site._registry[AuditEvent]
    monkeypatch.setattr(model_admin, "actions_on_top", False)
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)
    page = new_context(viewport=TABLET_LANDSCAPE).new_page()
    login(page, live_server.url, "admin")
    for path in (
        "/admin/",
        "/admin/accounts/auditevent/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{cast.delegate.pk}/change/",
        f"/admin/accounts/body/{cast.hdnd.pk}/change/",  # an inline formset
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "sha256-" in response.headers["content-security-policy"]
    # The admin's own scripts run: the change form's collapsible fieldsets and
    # the sidebar toggle are script-built.
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.wait_for_selector("#toggle-nav-sidebar")
    screenshot(page, "policy-admin-users")


@pytest.mark.django_db(transaction=True)
def test_self_alone_covers_the_pages_own_websocket_origin(
    live_server, browser, monkeypatch
):
    """Chromium matches ws: on the page's own host and port with 'self' (CSP
    Level 3), and refuses another port. The explicit origin the server adds is
    removed here, and the context is made by hand so the refusal is measured
    rather than failing the test."""
    monkeypatch.setattr(security, "_socket_origin", lambda request: None)
    context = browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(f"{live_server.url}/accounts/login/")
        policy = response.headers["content-security-policy"]
        assert "connect-src 'self';" in policy
        refused = page.evaluate(
            OPEN_SOCKET, live_server.url.replace("http://", "ws://") + "/ws/me/"
        )
        assert refused == []
        other = f"ws://127.0.0.1:{free_port()}/ws/me/"
        assert page.evaluate(OPEN_SOCKET, other) == ["connect-src"]
    finally:
        context.close()


# Open a socket, wait for it to open, fail or close, and return the directives
# of any CSP violation it caused.
OPEN_SOCKET = """
(url) => new Promise((resolve) => {
  const refused = [];
  document.addEventListener("securitypolicyviolation",
    (event) => refused.push(event.effectiveDirective));
  const socket = new WebSocket(url);
  const done = () => setTimeout(() => resolve(refused), 100);
  socket.onopen = socket.onerror = socket.onclose = done;
})
"""
