"""The deployment through nginx (``python -m deploy.stack``), end to end.

nginx with TLS in front of two Daphne processes, a worker and the scheduler on
PostgreSQL and a private Redis, with production settings: sign in over HTTPS,
the room socket over wss through nginx receiving what the other web process
sent, page images that nginx serves alone on signed URLs (and an outsider's
404), a download through X-Accel-Redirect, and a revoked grant: no new URL at
once, the old one refused within its lifetime (``PAGE_LINK_SECONDS=4`` here).
Runs in CI's PostgreSQL + Redis pass (marker ``production``).
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import websockets
from django.conf import settings

from deploy.stack import PYTHON, ROOT, Stack
from tests.realtime.servers import RedisServer
from tests.realtime.test_room_servers import Client, _wait_for
from tests.services import require_postgres

pytestmark = [
    pytest.mark.production,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.daphne,
    pytest.mark.django_db,
]

PASSWORD = "mat-khau-thu-nghiem-42"
LINK_SECONDS = 4


class Browser:
    """HTTPS with a cookie jar, as a signed-in page: no redirects followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=stack.ssl_context()),
            urllib.request.HTTPCookieProcessor(self.jar),
            self._NoRedirect(),
        )

    def get(self, path: str, **headers) -> tuple[int, dict, bytes]:
        return self._open(
            urllib.request.Request(self.stack.url + path, headers=headers)
        )

    def _open(self, request) -> tuple[int, dict, bytes]:
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def post(self, path: str, data: dict) -> tuple[int, dict, bytes]:
        return self._open(
            urllib.request.Request(
                self.stack.url + path,
                data=urlencode(data, doseq=True).encode(),
                headers={
                    "Referer": self.stack.url + path,
                    "X-CSRFToken": self.cookie(settings.CSRF_COOKIE_NAME),
                },
            )
        )

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def sign_in(self, username: str) -> None:
        status, _, body = self.get("/accounts/login/")
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
        data = urlencode(
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.decode(),
            }
        ).encode()
        status, headers, _ = self._open(
            urllib.request.Request(
                self.stack.url + "/accounts/login/",
                data=data,
                headers={"Referer": self.stack.url + "/accounts/login/"},
            )
        )
        assert status == 302, "signing in over HTTPS failed"
        assert self.cookie(settings.SESSION_COOKIE_NAME)

    def session_cookie(self) -> str:
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={self.cookie(name)}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_blocker):
    """The stack on a fresh PostgreSQL database and a private Redis, seeded."""
    with django_db_blocker.unblock():
        require_postgres()
    workdir = tmp_path_factory.mktemp("stack")
    redis = RedisServer(workdir)
    redis.start()
    db = settings.DATABASES["default"]
    name = f"nghisu_stack_{uuid.uuid4().hex[:10]}"
    netloc = f"{db['USER']}" + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    netloc += f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    stack = Stack(
        workdir / "var",
        database_url=urlunsplit(("postgres", netloc, name, "", "")),
        redis_url=redis.url,
        env={"PAGE_LINK_SECONDS": str(LINK_SECONDS)},
    )
    try:
        stack.prepare()
        seed = subprocess.run(
            [PYTHON, "-m", "tests.deploy.seed", PASSWORD],
            cwd=ROOT,
            env={**stack.env, "TASK_BACKEND": "immediate"},
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        stack.seed = json.loads(seed.stdout.strip().splitlines()[-1])
        stack.start()
        yield stack
    finally:
        stack.stop()
        redis.stop()
        _drop(name)


@pytest.fixture(scope="module")
def people(stack):
    """Signed-in browsers: a delegate, the secretary and an outsider."""
    signed = {}
    for key, username in [
        ("delegate", "daibieu01"),
        ("secretary", "thuky"),
        ("outsider", "ngoai"),
    ]:
        signed[key] = Browser(stack)
        signed[key].sign_in(username)
    return signed


def _drop(name: str) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _page_path(stack: Stack) -> str:
    s = stack.seed
    return f"/documents/{s['document']}/versions/{s['version']}/pages/"


def _upstreams(stack: Stack, path: str) -> list[str]:
    """What nginx's access log says about ``path``: its upstream (``-``: none)."""
    time.sleep(1.2)  # the log is flushed every second
    log = (stack.logs / "nginx-access.log").read_text()
    return re.findall(rf'"GET {re.escape(path)} [^"]*" \d+ \d+ \S+ upstream=(\S+)', log)


def test_pages_and_socket_go_through_nginx(stack, people):
    """A signed-in delegate over HTTPS/wss: events from the other web process,
    page images served by nginx alone; an outsider gets 404, also there."""
    delegate = people["delegate"]
    status, headers, body = delegate.get("/")
    assert status == 200
    assert "max-age=31536000" not in headers.get("Cache-Control", "")

    async def room() -> None:
        meeting = stack.seed["meeting"]
        host = urlsplit(stack.url).netloc
        ws = await websockets.connect(
            f"wss://{host}/ws/meetings/{meeting}/",
            origin=stack.url,
            additional_headers={"Cookie": delegate.session_cookie()},
            ssl=stack.ssl_context(),
            open_timeout=10,
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert first["type"] == "room.state"
        listener = Client(ws, first)
        chair = stack.seed["cookies"]["chutoa"]
        items = stack.seed["items"]
        # The chair commands from each web process directly: one of them is
        # not the delegate's process behind nginx.
        for n, port in enumerate(stack.web_ports):
            commanding = await Client.connect(port, meeting, chair)
            before = len(listener.seqs())
            await commanding.command("agenda.goto", item=items[n % 2])
            await _wait_for(lambda b=before: len(listener.seqs()) > b, timeout=10)
            await commanding.close()
        await listener.close()

    asyncio.run(room())

    links_url = _page_path(stack) + "links/"
    status, headers, body = delegate.get(links_url)
    assert status == 200, body
    links = json.loads(body)
    assert (
        0 < links["ttl"] <= LINK_SECONDS and len(links["sigs"]) == stack.seed["pages"]
    )
    url = links["template"].format(sig=links["sigs"][0], page=1, w=160)
    status, headers, body = delegate.get(url)
    assert status == 200 and body[:4] in (b"\x89PNG", b"RIFF")
    assert headers["X-Nghisu-Sender"] == "secure-link"
    assert headers["Cache-Control"] == "private, max-age=86400"
    assert _upstreams(stack, url) == ["-"], "the signed page image reached Django"

    # Another session (or none) cannot use the URL: it is bound to the session.
    assert Browser(stack).get(url)[0] == 403
    forged = (
        url.replace(links["sigs"][0], links["sigs"][-1])
        if stack.seed["pages"] > 1
        else url[:-3] + "400"
    )
    assert delegate.get(forged)[0] in (403, 404)

    outsider = people["outsider"]
    assert outsider.get(links_url)[0] == 404
    assert outsider.get(_page_path(stack) + "1/?w=160")[0] == 404
    assert outsider.get(url)[0] == 403


def test_download_goes_through_x_accel_redirect(stack, people):
    """Django checks, nginx sends the file; the outsider gets 404."""
    secretary, delegate = people["secretary"], people["delegate"]
    s = stack.seed
    path = f"/documents/{s['document']}/versions/{s['version']}/download/"
    status, headers, body = secretary.get(path)
    assert status == 200 and body.startswith(b"%PDF")
    assert headers["X-Nghisu-Sender"] == "accel"
    assert "X-Accel-Redirect" not in headers
    assert headers["Cache-Control"] == "private, no-store"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert int(headers["Content-Length"]) == len(body)
    # A page image through Django's view: checked there, sent by nginx, with
    # Django's ETag, which answers 304 when it matches.
    status, headers, body = delegate.get(_page_path(stack) + "2/?w=400")
    assert status == 200 and headers["X-Nghisu-Sender"] == "accel"
    etag = headers["ETag"]
    assert etag.startswith(f'"{s["sha"][:24]}-p2-w400')
    assert (
        delegate.get(_page_path(stack) + "2/?w=400", **{"If-None-Match": etag})[0]
        == 304
    )
    assert people["outsider"].get(path)[0] == 404


def test_a_revoked_grant_stops_new_and_old_urls(stack, people):
    """A grant revoked: no new URL at once; the old one refused by nginx once
    it expires (within PAGE_LINK_SECONDS), while it served until then."""
    s = stack.seed
    outsider, secretary = people["outsider"], people["secretary"]
    share = f"/documents/{s['document']}/share/"
    status, _, _ = secretary.post(
        share + "grant/", {"user": s["outsider"], "level": "view"}
    )
    assert status == 302
    status, _, body = outsider.get(_page_path(stack) + "links/")
    assert status == 200
    links = json.loads(body)
    url = links["template"].format(sig=links["sigs"][0], page=1, w=160)
    assert outsider.get(url)[0] == 200
    issued = time.monotonic()
    assert secretary.post(share + "revoke/", {"user": s["outsider"]})[0] == 302
    assert outsider.get(_page_path(stack) + "links/")[0] == 404
    assert outsider.get(_page_path(stack) + "1/?w=160")[0] == 404
    # The old URL: still served until its expiry, refused (410) after it.
    while outsider.get(url)[0] == 200:
        assert time.monotonic() - issued <= LINK_SECONDS + 1
        time.sleep(0.2)
    assert outsider.get(url)[0] == 410
    assert time.monotonic() - issued <= LINK_SECONDS + 1


@pytest.mark.browser
def test_the_viewer_in_chromium_turns_pages_on_signed_urls(stack, people):
    """The document viewer asks for signed URLs and loads its pages from nginx;
    a signed URL that fails falls back to Django's check."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    s = stack.seed
    responses: list[tuple[str, int, str]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                ignore_https_errors=True, viewport={"width": 1280, "height": 800}
            )
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": people["delegate"].cookie(
                            settings.SESSION_COOKIE_NAME
                        ),
                        "url": stack.url,
                    }
                ]
            )
            page = context.new_page()
            page.on(
                "response",
                lambda r: responses.append(
                    (r.url, r.status, r.headers.get("x-nghisu-sender", ""))
                ),
            )
            page.goto(f"{stack.url}/documents/{s['document']}/")
            page.wait_for_selector(".viewer-img[src]")
            page.wait_for_function(
                "() => performance.getEntriesByType('resource')"
                ".some((e) => e.name.includes('/pages/links/'))"
            )
            page.wait_for_function("() => window.nghisuViewer.links.data")
            page.evaluate("() => window.nghisuViewer.goTo(2)")
            page.wait_for_function(
                "() => document.querySelector('.viewer-img').src.includes('/pi/')"
            )
            page.wait_for_timeout(500)
            # A forged signature: the image still shows, through Django's check.
            page.evaluate(
                "() => { const v = window.nghisuViewer; "
                "v.links.data.sigs = v.links.data.sigs.map(() => 'A'.repeat(22)); "
                "v.goTo(1); }"
            )
            page.wait_for_function(
                "() => !document.querySelector('.viewer-img').src.includes('/pi/')"
                " && document.querySelector('.viewer-img').complete"
            )
            page.wait_for_timeout(500)
        finally:
            browser.close()
    signed = [r for r in responses if "/pi/" in r[0]]
    assert any(
        status == 200 and sender == "secure-link" for _u, status, sender in signed
    )
    assert any(status == 403 for _u, status, _s in signed), "the forged URL"
    plain = [r for r in responses if "/pages/1/?w=" in r[0] and r[1] == 200]
    assert plain, "the fallback through Django"


@pytest.mark.browser
def test_the_room_in_chromium_shows_presented_pages_on_signed_urls(stack):
    """The chair presents through nginx; the delegate's room shows the pages
    on signed URLs that nginx serves."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    s = stack.seed
    meeting = s["meeting"]

    async def to_the_document_item() -> None:
        chair = await Client.connect(
            stack.web_ports[0], meeting, s["cookies"]["chutoa"]
        )
        await chair.command("agenda.goto", item=s["items"][0])
        await chair.close()

    asyncio.run(to_the_document_item())
    signed: list[tuple[int, str]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            pages = {}
            for username in ("chutoa", "daibieu01"):
                context = browser.new_context(
                    ignore_https_errors=True, viewport={"width": 1280, "height": 800}
                )
                name, _, value = s["cookies"][username].partition("=")
                context.add_cookies([{"name": name, "value": value, "url": stack.url}])
                page = context.new_page()
                page.goto(f"{stack.url}/meetings/{meeting}/room/")
                page.wait_for_selector('[data-conn][data-state="open"]')
                pages[username] = page
            chair, delegate = pages["chutoa"], pages["daibieu01"]
            delegate.on(
                "response",
                lambda r: (
                    "/pi/" in r.url
                    and signed.append((r.status, r.headers.get("x-nghisu-sender", "")))
                ),
            )
            chair.click("[data-present]")
            delegate.wait_for_selector('img.page[data-page="1"]')
            delegate.wait_for_timeout(500)  # the signed list arrives
            chair.click("[data-page-next]")
            delegate.wait_for_selector('img.page[data-page="2"]')
            delegate.wait_for_function(
                "() => document.querySelector('img.page').src.includes('/pi/')"
                " && document.querySelector('img.page').complete"
                " && document.querySelector('img.page').naturalWidth > 0"
            )
        finally:
            browser.close()
    assert (200, "secure-link") in signed
