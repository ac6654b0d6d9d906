"""Pages under the Content-Security-Policy in Chromium.

Every page of every browser test already fails on a violation (conftest.py). These
add what the other tests do not visit: the admin, and a room whose policy names
only ``'self'`` in ``connect-src``, to show that Chromium lets ``'self'`` cover the
page's own ws: origin (CSP Level 3).
"""

from __future__ import annotations

import re

import pytest

from nghisu import serve
from tests.e2e.conftest import TABLET_LANDSCAPE, login, screenshot
from tests.realtime.servers import Stack

pytestmark = [pytest.mark.browser]

PASSWORD = "pw-Test-123!"


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


@pytest.mark.daphne
def test_self_alone_lets_a_room_open_its_socket(new_context, tmp_path):
    stack = Stack(tmp_path, None, server=serve.SERVERS[0])
    stack.prepare("--password", PASSWORD, "--voters", "0")
    port = stack.start_server()
    base = f"http://127.0.0.1:{port}"
    try:
        context = new_context(viewport=TABLET_LANDSCAPE)
        policies = []

        def self_only(route):
            response = route.fetch()
            headers = dict(response.headers)
            policy = headers.get("content-security-policy", "")
            headers["content-security-policy"] = re.sub(
                r"connect-src [^;]*", "connect-src 'self'", policy
            )
            policies.append(headers["content-security-policy"])
            route.fulfill(response=response, headers=headers)

        page = context.new_page()
        login(page, base, "chutoa", PASSWORD)
        page.route(re.compile(r".*/room/$"), self_only)
        page.goto(f"{base}/meetings/{stack.seed['meeting']}/room/")
        page.wait_for_selector('[data-conn][data-state="open"]')
        assert policies and "connect-src 'self';" in policies[0]
    finally:
        stack.close()
