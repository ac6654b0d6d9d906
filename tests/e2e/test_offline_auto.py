"""In Chromium at 768×1024: the briefcase downloads the upcoming meetings by
itself when the user chose so, on Wi-Fi; and signing out first sends the
unsent annotations, or asks before wiping them (docs/offline.md)."""

from __future__ import annotations

import pytest

from documents.models import Annotation
from tests.e2e.a11y import assert_accessible, assert_touch_targets
from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)
from tests.e2e.test_annotations_browser import draw
from tests.e2e.test_offline import HELD_URLS, demo_pdf, meeting_with_doc  # noqa: F401
from tests.meetings.conftest import draft  # noqa: F401 (the meeting fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Headless Chromium on Linux gives navigator.connection without `type` (and
# with the real effectiveType), so the tests replace it with a fake whose type
# the test sets (kept in sessionStorage, so it survives a page load) and whose
# "change" event the test fires, as a tablet moving to Wi-Fi would.
FAKE_CONNECTION = """(() => {
  const connection = new EventTarget();
  Object.defineProperties(connection, {
    type: { get: () => sessionStorage.getItem("test-net") || "cellular" },
    effectiveType: { value: "4g" },
    saveData: { value: false },
  });
  Object.defineProperty(Navigator.prototype, "connection", {
    configurable: true, get: () => connection,
  });
})();"""

PACK_COMPLETE = """async (id) => {
  const meta = await window.nghisuBriefcase.store.packMeta(id);
  return Boolean(meta && meta.complete);
}"""

OUTBOX_SIZE = """() => new Promise((resolve) => {
  const request = indexedDB.open("nghisu-annotations", 1);
  request.onupgradeneeded = () => request.result.createObjectStore(
    "outbox", { keyPath: "seq", autoIncrement: true });
  request.onsuccess = () => {
    const all = request.result.transaction("outbox").objectStore("outbox").getAll();
    all.onsuccess = () => { request.result.close(); resolve(all.result.length); };
  };
})"""


ON_WIFI_CASES = """async () => {
  const src = document.querySelector("script[src*='/briefcase.js']").src;
  const { onWifi } = await import(src.replace("/briefcase.js", "/briefcase-auto.js"));
  return [
    onWifi(null),
    onWifi({ type: "wifi" }),
    onWifi({ type: "ethernet" }),
    onWifi({ type: "cellular", effectiveType: "4g", saveData: false }),
    onWifi({ effectiveType: "4g", saveData: false }),
    onWifi({ effectiveType: "4g", saveData: true }),
    onWifi({ effectiveType: "3g", saveData: false }),
  ];
}"""


def test_wifi_is_what_the_browser_says_and_unknown_counts_only_if_fast(
    live_server, new_context, cast
):
    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(page, live_server.url, "daibieu01")
    assert page.evaluate(ON_WIFI_CASES) == [
        False,  # no Network Information API (Safari, Firefox): never by itself
        True,
        True,
        False,
        True,  # no type: a fast link without Data Saver
        False,
        False,
    ]


def auto_on(new_context, base, network_script):
    """A delegate turns the automatic download on, on a network the browser
    does not call Wi-Fi (`network_script` shapes navigator.connection): it waits."""
    context = new_context(viewport=TABLET_PORTRAIT, service_workers="allow")
    context.add_init_script(network_script)
    page = context.new_page()
    login(page, base, "daibieu01")
    page.goto(f"{base}/meetings/offline/")
    assert page.locator("[data-auto-state]").inner_text() == "Đang tắt."
    page.get_by_role("button", name="Bật tự động tải").click()
    page.wait_for_selector("[data-auto-state=on]")
    page.wait_for_function(
        "document.querySelector('[data-auto-status]').textContent"
        " === 'Chờ mạng Wi-Fi để tự động tải.'"
    )
    return page


def test_the_upcoming_meeting_downloads_by_itself_on_wifi_once_chosen(
    live_server,
    new_context,
    cast,
    meeting_with_doc,  # noqa: F811
):
    meeting, doc = meeting_with_doc
    base = live_server.url
    page = auto_on(new_context, base, FAKE_CONNECTION)
    assert "Đã bật tự động tải." in page.locator(".messages").inner_text()
    # The browser tells the network: no "Wi-Fi only" question.
    assert page.locator("[data-wifi-only]").is_hidden()
    assert page.evaluate(PACK_COMPLETE, meeting.pk) is False
    screenshot(page, "offline-auto-waiting")

    # On Wi-Fi the meeting comes into the briefcase, no "Tải về" pressed.
    page.evaluate(
        "sessionStorage.setItem('test-net', 'wifi');"
        " navigator.connection.dispatchEvent(new Event('change'))"
    )
    page.wait_for_function(PACK_COMPLETE, arg=meeting.pk, timeout=30_000)
    pack = page.locator(f"[data-pack='{meeting.pk}']")
    pack.wait_for()
    assert meeting.title in pack.inner_text()
    assert "Tờ trình dự toán" in pack.inner_text()
    assert any("/pages/3/?w=800" in url for url in page.evaluate(HELD_URLS, doc.pk))
    page.wait_for_function(
        "document.querySelector('[data-auto-status]').textContent === ''"
    )
    screenshot(page, "offline-auto-done")

    # The meeting page says it is kept, with no download offered.
    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.wait_for_function(
        "/Đã lưu offline: 3 trang/.test(document.querySelector("
        "'[data-briefcase-status]').textContent)"
    )

    # Removed by hand, it is not downloaded again for the same version.
    page.goto(f"{base}/meetings/offline/")
    pack.get_by_role("button", name="Xóa bản offline").click()
    pack.wait_for(state="detached")
    page.reload()
    page.wait_for_function("window.nghisuBriefcase !== undefined")
    page.evaluate("window.nghisuBriefcase.runAuto()")
    page.evaluate("window.nghisuBriefcase.runAuto()")
    assert page.evaluate(PACK_COMPLETE, meeting.pk) is False
    assert page.locator("[data-pack]").count() == 0


NO_CONNECTION = """delete Navigator.prototype.connection;"""


def test_without_the_network_api_a_wifi_only_device_is_the_users_word(
    live_server,
    new_context,
    cast,
    meeting_with_doc,  # noqa: F811
):
    meeting, _doc = meeting_with_doc
    # As Safari on an iPad, or Firefox: an unknown network; nothing downloads
    # by itself until the user says so.
    page = auto_on(new_context, live_server.url, NO_CONNECTION)
    assert page.evaluate("navigator.connection") is None
    box = page.get_by_label("Máy này chỉ dùng Wi-Fi (không có mạng di động)")
    assert box.is_visible() and not box.is_checked()
    screenshot(page, "offline-auto-wifi-only")
    assert_accessible(page)
    assert_touch_targets(page)
    page.set_viewport_size(TABLET_LANDSCAPE)
    assert_no_horizontal_scroll(page)
    screenshot(page, "offline-auto-wifi-only-landscape")
    assert page.evaluate(PACK_COMPLETE, meeting.pk) is False

    box.check()
    page.wait_for_function(PACK_COMPLETE, arg=meeting.pk, timeout=30_000)
    page.locator(f"[data-pack='{meeting.pk}']").wait_for()
    # Kept for this device across page loads, until sign-out.
    page.reload()
    assert page.get_by_label(
        "Máy này chỉ dùng Wi-Fi (không có mạng di động)"
    ).is_checked()


def block_annotation_posts(context):
    def handle(route):
        request = route.request
        if request.method == "POST" and "/annotations/" in request.url:
            route.abort()
        else:
            route.continue_()

    context.route("**/*", handle)


def test_signing_out_sends_the_unsent_annotations_or_asks_before_wiping_them(
    live_server,
    new_context,
    cast,
    meeting_with_doc,  # noqa: F811
):
    _meeting, doc = meeting_with_doc
    base = live_server.url
    context = new_context(viewport=TABLET_PORTRAIT, service_workers="block")
    page = context.new_page()

    def saved():
        return Annotation.objects.filter(
            author=cast.delegate, version__document=doc
        ).count()

    def draw_unsent(go_offline=False):
        page.goto(f"{base}/documents/{doc.pk}/")
        page.wait_for_selector(".ann-toolbar")
        if go_offline:
            context.set_offline(True)
        page.get_by_role("button", name="Bút").click()
        page.locator(".ann-overlay").scroll_into_view_if_needed()
        draw(page, (0.2, 0.2), (0.7, 0.25))
        page.wait_for_function(
            "/Mất kết nối/.test(document.querySelector('.ann-status').textContent)"
        )

    # Offline, one annotation queued: signing out asks; "Hủy" keeps it all.
    login(page, base, "daibieu01")
    draw_unsent(go_offline=True)
    page.get_by_role("button", name="Đăng xuất").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert dialog.inner_text().startswith(
        "Còn 1 ghi chú chưa gửi. Đăng xuất sẽ xóa chúng khỏi máy này."
    )
    screenshot(page, "offline-signout-unsent")
    dialog.get_by_role("button", name="Hủy").click()
    dialog.wait_for(state="detached")
    assert f"/documents/{doc.pk}/" in page.url
    assert page.evaluate(OUTBOX_SIZE) == 1

    # Back online on a page without the document (its own layer could not
    # send meanwhile): signing out sends the queue first, and asks nothing.
    block_annotation_posts(context)
    context.set_offline(False)
    page.goto(f"{base}/meetings/offline/")
    assert page.evaluate(OUTBOX_SIZE) == 1
    context.unroute("**/*")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    assert saved() == 1

    # The server unreachable for annotations: asked, the user signs out anyway,
    # and the outbox is wiped with everything else.
    login(page, base, "daibieu01")
    block_annotation_posts(context)
    draw_unsent()
    page.get_by_role("button", name="Đăng xuất").click()
    dialog.wait_for()
    assert "Còn 1 ghi chú chưa gửi." in dialog.inner_text()
    dialog.get_by_role("button", name="Vẫn đăng xuất").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    assert saved() == 1
    assert page.evaluate(OUTBOX_SIZE) == 0
