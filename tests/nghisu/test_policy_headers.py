"""Every response carries a Content-Security-Policy and a Permissions-Policy."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import django
import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from nghisu import security

HTML_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DENIED_FEATURES = [
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "fullscreen",
]


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: (part[1] if len(part) > 1 else "") for part in parts}


def assert_strict_page(response) -> dict[str, str]:
    policy = directives(response["Content-Security-Policy"])
    for name, value in HTML_DIRECTIVES.items():
        assert policy[name] == value, name
    assert policy["connect-src"].split()[0] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "nonce-" not in response["Content-Security-Policy"]
    assert_permissions(response)
    return policy


def assert_permissions(response) -> None:
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in DENIED_FEATURES:
        assert features[feature] == "()", feature


@pytest.mark.django_db
def test_the_sign_in_page_has_the_strict_policy_and_names_its_socket_origin(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = assert_strict_page(response)
    assert policy["connect-src"] == "'self' ws://testserver"


def test_a_secure_request_names_the_wss_origin(settings):
    settings.ALLOWED_HOSTS = ["hop.example"]
    request = RequestFactory().get("/", secure=True, HTTP_HOST="hop.example:8443")
    response = HttpResponse("<p>", content_type="text/html; charset=utf-8")
    value = directives(security.policy_for(request, response))
    assert value["connect-src"] == "'self' wss://hop.example:8443"


def test_a_host_not_allowed_is_not_echoed_into_the_policy(settings):
    settings.ALLOWED_HOSTS = ["hop.example"]
    request = RequestFactory().get("/", HTTP_HOST="evil.example")
    response = HttpResponse("<p>", content_type="text/html")
    assert directives(security.policy_for(request, response))["connect-src"] == "'self'"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/meetings/",
        "/meetings/new/",
        "/documents/",
        "/documents/mine/",
        "/work/",
        "/notifications/",
        "/bodies/",
        "/no-such-page/",
    ],
)
def test_every_signed_in_page_has_the_strict_policy(client, cast, url):
    client.force_login(cast.secretary)
    response = client.get(url)
    assert response.status_code in (200, 404), url
    assert response["Content-Type"].startswith("text/html")
    assert_strict_page(response)


async def test_an_async_request_gets_the_headers_too(async_client, db):
    response = await async_client.get("/accounts/login/")
    assert_strict_page(response)


def test_json_and_other_responses_load_nothing_and_are_sandboxed(client, db):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    policy = directives(response["Content-Security-Policy"])
    assert policy == {
        "default-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'none'",
        "sandbox": "",
    }
    assert_permissions(response)


def test_a_pdf_keeps_chromiums_viewer_but_cannot_be_framed():
    request = RequestFactory().get("/x.pdf")
    response = HttpResponse(b"%PDF-", content_type="application/pdf")
    policy = directives(security.policy_for(request, response))
    assert policy["frame-ancestors"] == "'none'"
    assert "sandbox" not in policy


def test_a_view_that_sets_its_own_policy_keeps_it():
    request = RequestFactory().get("/")
    response = JsonResponse({})
    response["Content-Security-Policy"] = "default-src 'none'"
    security.set_policy_headers(request, response)
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Permissions-Policy"] == security.PERMISSIONS_POLICY


def test_the_admin_allows_only_its_change_list_style_block(client, cast, monkeypatch):
    from django.contrib import admin

    from accounts.models import AuditEvent

    # Django prints the block when a change list shows no action bar.
    model_admin = admin.site._registry[AuditEvent]
    monkeypatch.setattr(model_admin, "actions_on_top", False)
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)
    client.force_login(cast.admin)
    response = client.get("/admin/accounts/auditevent/")
    assert response.status_code == 200
    policy = assert_admin_page(response)
    # The hash is of the block the installed Django prints; an upgrade that
    # changes it fails here, not silently in the browser.
    html = response.content.decode()
    blocks = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert blocks
    for block in blocks:
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["style-src"], django.get_version()


def test_the_admin_hash_matches_the_installed_change_list_template():
    template = (
        Path(django.__file__).parent / "contrib/admin/templates/admin/change_list.html"
    )
    block = re.search(r"<style>(.*?)</style>", template.read_text(), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
    assert [f"'sha256-{digest}'"] == security.ADMIN_STYLE_HASHES


def assert_admin_page(response) -> dict[str, str]:
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"].startswith("'self' 'sha256-")
    assert "unsafe" not in response["Content-Security-Policy"]
    assert_permissions(response)
    return policy


def test_only_the_admin_gets_the_hash(client, cast):
    client.force_login(cast.admin)
    assert "sha256-" in client.get("/admin/")["Content-Security-Policy"]
    assert "sha256-" not in client.get("/")["Content-Security-Policy"]


def test_the_server_error_page_is_styled_from_a_file():
    from nghisu.views import server_error

    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert "<style" not in html
    assert "/static/css/error.css" in html


def test_only_debug_error_pages_allow_djangos_inline_technical_page(settings):
    request = RequestFactory().get("/")
    error = HttpResponse("<p>", content_type="text/html", status=500)
    assert "unsafe-inline" not in security.policy_for(request, error)
    settings.DEBUG = True
    assert "unsafe-inline" in security.policy_for(request, error)
    page = HttpResponse("<p>", content_type="text/html")
    assert "unsafe-inline" not in security.policy_for(request, page)
