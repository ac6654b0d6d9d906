"""Page-image URLs that nginx checks by itself (``secure_link``), issued by Django.

A client that passed Django's permission check on a document version gets, per
page, a URL signed for its session and that page and valid for at most
``PAGE_LINK_SECONDS`` (60)::

    /pi/<user>/<expires>/<sig>/<document>/<version>/<sha256>/<page>/<width>

``sig`` is nginx's ``secure_link_md5`` of
``"<expires>/<user>/<document>/<version>/<sha256>/<page>/<session key> <secret>"``
(base64url, no padding); nginx reads the session key from the session cookie,
so a URL copied out of the session is useless. nginx serves the cached render
``renders/<sha256>/p<page>-w<width>.<ext>`` directly; one not rendered yet goes
to Django's page view, which checks and renders it. A revoked grant gets no new
URL at once, and its old ones stop at their expiry. Expiries are rounded up to
half the lifetime, so URLs stay the same (and cacheable) for that long: a URL
lives between ``PAGE_LINK_SECONDS / 2`` and ``PAGE_LINK_SECONDS``.

Confidential documents get none: every view of their pages is watermarked for
the viewer and audited, so it goes through Django (and X-Accel-Redirect).
The nginx side is deploy/nginx/nghisu.conf.in. docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
import math
import time

from django.conf import settings


def enabled() -> bool:
    return bool(settings.PAGE_LINK_SECRET)


def expiry(now: float | None = None) -> int:
    """When URLs issued now expire: the next half-lifetime boundary after ttl/2."""
    now = time.time() if now is None else now
    half = settings.PAGE_LINK_SECONDS / 2
    return int((math.floor(now / half) + 2) * half)


def signature(path_part: str, expires: int, session_key: str) -> str:
    """nginx's ``secure_link_md5`` of the expiry, the signed path and the session."""
    text = f"{expires}/{path_part}/{session_key} {settings.PAGE_LINK_SECRET}"
    digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def links(*, user_id: int, version, session_key: str, now: float | None = None):
    """The signed URLs of every page of ``version`` for this session, as JSON.

    ``template`` has ``{sig}``, ``{page}`` and ``{w}`` to fill in; ``sigs[i]``
    is page i + 1's; ``ttl`` is the seconds left (clients go by it, not by
    their own clock); ``widths`` the widths nginx serves.
    """
    now = time.time() if now is None else now
    expires = expiry(now)
    base = f"{user_id}/{version.document_id}/{version.number}/{version.sha256}"
    sigs = [
        signature(f"{base}/{page}", expires, session_key)
        for page in range(1, version.page_count + 1)
    ]
    prefix = settings.PAGE_LINK_PREFIX
    return {
        "template": (
            f"{prefix}{user_id}/{expires}/{{sig}}/{version.document_id}/"
            f"{version.number}/{version.sha256}/{{page}}/{{w}}"
        ),
        "sigs": sigs,
        "ttl": max(0, int(expires - now)),
        "widths": list(settings.DOCUMENT_RENDER_WIDTHS),
    }
