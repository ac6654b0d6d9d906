"""Response headers that tell the browser what a page may do.

Django 5.2 has no Content-Security-Policy support (6.0 has), so
``PolicyHeadersMiddleware`` sets it, and Permissions-Policy, on every response.

- HTML pages get the strict policy (``HTML_POLICY``): scripts, styles, fonts and
  fetches only from this server, no inline script or style at all, no nonce. The
  page's own WebSocket origin is named in ``connect-src`` beside ``'self'``, for
  browsers that predate CSP Level 3's rule that ``'self'`` covers ws:/wss:.
- Django's admin (``/admin/``) adds one hash: the ``<style>`` block its change
  list prints when a model has no actions. Nothing else in the admin is inline.
- With ``DEBUG`` on, error responses allow inline script and style: Django's
  technical 404 and 500 pages are made of them. Production never sees this.
- Everything else (JSON, images, text, downloads) gets ``OTHER_POLICY``: nothing
  may load and the document is sandboxed, so a file opened on its own runs no
  script. PDFs are the exception: a sandboxed PDF does not show in Chromium's
  viewer, so they keep only the framing and form rules (``PDF_POLICY``).

A view may set its own ``Content-Security-Policy``; it is then left alone.
docs/security.md explains each directive and how to add a script or a style.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import DisallowedHost

from nghisu.middleware import ResponseHookMiddleware

CSP = "Content-Security-Policy"

HTML_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'none'"],
    "object-src": ["'none'"],
    "frame-src": ["'none'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# The <style> block of django/contrib/admin/templates/admin/change_list.html
# (Django 5.2), printed when a change list has no actions. A test recomputes it
# from the installed Django, so an upgrade that changes the block fails loudly.
ADMIN_STYLE_HASHES = ["'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"]
ADMIN_PREFIX = "/admin/"

OTHER_POLICY = {
    "default-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
    "sandbox": [],
}

PDF_POLICY = {
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
}

# Browser features the product does not use are denied to every page and frame.
# The viewer needs none of them: no camera, no fullscreen API, no wake lock. Only
# names Chromium recognises: an unknown one is a console error on every page.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
)


def render_policy(policy: dict[str, list[str]]) -> str:
    """Join directives into a header value: ``name source source; name ...``."""
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


def _socket_origin(request) -> str | None:
    """The ws:// or wss:// origin of this page's host, or None if the host is bad."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


def policy_for(request, response) -> str:
    """The Content-Security-Policy value for this response."""
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/pdf":
        return render_policy(PDF_POLICY)
    if content_type not in ("text/html", "application/xhtml+xml"):
        return render_policy(OTHER_POLICY)
    policy = {name: list(sources) for name, sources in HTML_POLICY.items()}
    origin = _socket_origin(request)
    if origin:
        policy["connect-src"].append(origin)
    if request.path.startswith(ADMIN_PREFIX):
        policy["style-src"] += ADMIN_STYLE_HASHES
    if settings.DEBUG and response.status_code >= 400:
        # Django's technical error pages (DEBUG only) are inline script and style.
        policy["script-src"].append("'unsafe-inline'")
        policy["style-src"].append("'unsafe-inline'")
    return render_policy(policy)


def set_policy_headers(request, response) -> None:
    if CSP not in response:
        response[CSP] = policy_for(request, response)
    response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)


class PolicyHeadersMiddleware(ResponseHookMiddleware):
    """Set Content-Security-Policy and Permissions-Policy on every response.

    Sync and async, so that an async view under Daphne stays off the thread that
    serves sync code.
    """

    def after(self, request, response, *, is_async: bool) -> None:
        set_policy_headers(request, response)
