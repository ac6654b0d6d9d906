"""In Chromium at 768×1024: the offline briefcase from download to revocation.

A delegate downloads a meeting's pack, the tablet goes offline, the meeting and
a document open from the briefcase, the document is searched and annotated;
back online the annotation is saved; then the grant is revoked and the document
leaves the tablet at the next contact.
"""

from __future__ import annotations

import pytest

import documents.pdf as pdf
from documents import actions as doc_actions
from documents.models import Annotation
from meetings import actions
from tests.documents.conftest import upload_file
from tests.e2e.conftest import TABLET_PORTRAIT, login, screenshot
from tests.e2e.test_annotations_browser import draw
from tests.meetings.conftest import draft  # noqa: F401 (the meeting fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e-offline") / "du-toan.pdf"
    pdf.make_demo_pdf(
        path,
        title="TỜ TRÌNH VỀ DỰ TOÁN NGÂN SÁCH",
        paragraphs=["Điều 1. Thông qua dự toán thu ngân sách nhà nước năm 2026."] * 3
        + ["Điều 2. Giao Ủy ban nhân dân tỉnh tổ chức thực hiện nghị quyết."],
        pages=3,
        heading_lines=["ỦY BAN NHÂN DÂN", "TỈNH SƠN LA"],
    )
    return path


@pytest.fixture
def meeting_with_doc(cast, draft, demo_pdf):  # noqa: F811
    doc = doc_actions.create_document(
        cast.secretary,
        body=cast.hdnd,
        title="Tờ trình dự toán",
        uploaded_file=upload_file("du-toan.pdf", demo_pdf.read_bytes()),
    )
    actions.attach_documents(cast.secretary, draft.items.first(), [doc])
    actions.publish_meeting(cast.secretary, draft)
    doc_actions.grant(
        cast.secretary, doc, users=[cast.delegate], perms=("annotate_document",)
    )
    draft.refresh_from_db()
    return draft, doc


HELD_URLS = """async (docId) => {
  const out = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith("nghisu-u-")) continue;
    for (const r of await (await caches.open(name)).keys()) {
      if (new URL(r.url).pathname.startsWith(`/documents/${docId}/`)) out.push(r.url);
    }
  }
  return out;
}"""


def meeting_page(new_context, base, meeting):
    """A delegate's tablet on the meeting page, the worker in control."""
    context = new_context(viewport=TABLET_PORTRAIT, service_workers="allow")
    page = context.new_page()
    login(page, base, "daibieu01")
    page.goto(f"{base}/meetings/{meeting.pk}/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    return context, page


def download_pack(page, *, shoot=False):
    """Press "Tải về để đọc offline", see the total, start, wait until saved."""
    page.get_by_role("button", name="Tải về để đọc offline").click()
    page.wait_for_function(
        "/3 trang, khoảng/.test(document.querySelector('[data-briefcase-status]')"
        ".textContent)"
    )
    if shoot:
        screenshot(page, "offline-total")
    page.get_by_role("button", name="Bắt đầu tải").click()
    page.wait_for_function(
        "/Đã lưu offline: 3 trang/.test(document.querySelector("
        "'[data-briefcase-status]').textContent)"
    )


def test_a_delegate_reads_and_annotates_offline_and_revocation_wipes_the_tablet(
    live_server, new_context, cast, meeting_with_doc
):
    meeting, doc = meeting_with_doc
    base = live_server.url
    context, page = meeting_page(new_context, base, meeting)

    # The total is shown before starting; then the progress bar fills.
    status = page.locator("[data-briefcase-status]")
    download_pack(page, shoot=True)
    assert page.get_by_role("button", name="Xóa bản offline").is_visible()
    screenshot(page, "offline-saved")
    held = page.evaluate(HELD_URLS, doc.pk)
    assert any("/pages/3/?w=800" in url for url in held)

    # Offline: reload, the meeting opens from the briefcase, with the banner.
    context.set_offline(True)
    page.reload()
    banner = page.locator("[data-offline-banner]")
    banner.wait_for(state="visible")
    assert "offline từ" in banner.inner_text()
    assert "Kỳ họp thứ mười hai" in page.locator("h1").inner_text()
    assert "Đã lưu offline" in status.inner_text()
    screenshot(page, "offline-meeting")
    # Truly offline: a page not in the briefcase is not fetched; the briefcase
    # page answers instead, listing what this tablet holds.
    page.goto(f"{base}/meetings/{meeting.pk}/participants/")
    assert page.locator("h1").inner_text() == "Bản offline trên máy này"
    page.wait_for_selector("[data-pack]")
    screenshot(page, "offline-briefcase")
    page.get_by_role("link", name="Kỳ họp thứ mười hai HĐND tỉnh khóa XV").click()
    page.wait_for_selector("[data-briefcase]")

    # The document opens from the briefcase, with its page image.
    page.get_by_role("link", name="Tờ trình dự toán").first.click()
    page.wait_for_selector(".ann-toolbar")
    page.wait_for_function(
        "(() => { const i = document.querySelector('.viewer-img');"
        " return i.complete && i.naturalWidth > 100; })()"
    )
    # Search on the stored text, without diacritics.
    page.fill("#doc-search-q", "ngan sach nha nuoc")
    page.get_by_role("button", name="Tìm", exact=True).click()
    results = page.locator("[data-doc-search-results] button")
    results.first.wait_for()
    assert results.count() == 3
    assert "ngân sách nhà nước" in results.first.inner_text()
    results.nth(1).click()
    page.wait_for_function("window.nghisuViewer.page === 2")

    # Draw: queued while offline.
    page.get_by_role("button", name="Bút").click()
    page.locator(".ann-overlay").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 200)")
    draw(page, (0.2, 0.2), (0.7, 0.25))
    assert page.locator(".ann-overlay g.ann-ink").count() == 1
    page.wait_for_function(
        "/Mất kết nối/.test(document.querySelector('.ann-status').textContent)"
    )
    screenshot(page, "offline-document")
    assert Annotation.objects.count() == 0

    # Online again: the queue is sent.
    context.set_offline(False)
    page.wait_for_function(
        "document.querySelector('.ann-status').textContent === 'Đã lưu'"
    )
    assert Annotation.objects.filter(author=cast.delegate, page=2).count() == 1
    assert banner.is_hidden()

    # Revoked: at the next contact the document leaves the tablet.
    doc_actions.revoke(cast.secretary, doc, users=[cast.delegate])
    doc_actions.revoke(cast.secretary, doc, groups=[meeting.participants_group])
    page.goto(f"{base}/meetings/offline/")
    page.wait_for_function("window.nghisuBriefcase !== undefined")
    page.evaluate("window.nghisuBriefcase.syncAll()")
    page.wait_for_function(
        f"async (id) => (await ({HELD_URLS})(id)).length === 0", arg=doc.pk
    )
    assert page.evaluate(HELD_URLS, doc.pk) == []
    page.wait_for_selector("[data-pack]")
    assert "Tờ trình dự toán" not in page.locator("[data-briefcase-list]").inner_text()
    screenshot(page, "offline-revoked")

    # Signing out wipes the briefcase (the page, the worker, Clear-Site-Data).
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    page.wait_for_function(
        "async () => (await caches.keys()).every((n) => !n.startsWith('nghisu-u-'))"
    )


# Which requests of the page the worker saw: Resource Timing says, per request,
# which static route matched ("network", "cache", "fetch-event", ...).
ROUTES_SEEN = """() => performance.getEntriesByType("resource")
  .filter((e) => new URL(e.name).origin === location.origin)
  .map((e) => ({ path: new URL(e.name).pathname, source: e.workerFinalSourceType ?? null,
                 matched: e.workerMatchedSourceType ?? null, workerStart: e.workerStart }))"""


def test_online_the_worker_stays_out_of_the_way_and_a_dropped_network_falls_back_to_the_briefcase(
    live_server, new_context, cast, meeting_with_doc
):
    meeting, doc = meeting_with_doc
    base = live_server.url
    context, page = meeting_page(new_context, base, meeting)
    download_pack(page)

    # Online, the document page's requests go to the network or the shell's
    # cache by the static routes: none is dispatched to the worker.
    page.goto(f"{base}/documents/{doc.pk}/")
    page.wait_for_function(
        "(() => { const i = document.querySelector('.viewer-img');"
        " return i.complete && i.naturalWidth > 100; })()"
    )
    seen = page.evaluate(ROUTES_SEEN)
    images = [r for r in seen if "/pages/" in r["path"] or r["path"].startswith("/pi/")]
    assert images, seen
    # (An image the page already holds, such as the first thumbnail, comes
    # from its memory cache and never reaches the router: no route, no start.)
    dispatched = [
        r for r in seen
        if r["matched"] not in ("network", "cache") and (r["matched"] or r["workerStart"])
    ]
    assert not dispatched, dispatched
    assert not [r for r in seen if r["path"].startswith("/__briefcase__/")], seen

    # The network goes while the document is open: the next page and the
    # search come from the briefcase, without a reload.
    context.set_offline(True)
    page.get_by_role("button", name="Trang sau").first.click()
    page.wait_for_function(
        "(() => { const i = document.querySelector('.viewer-img');"
        " return window.nghisuViewer.page === 2 && i.complete && i.naturalWidth > 100"
        " && i.src.includes('/__briefcase__/'); })()"
    )
    page.fill("#doc-search-q", "giao uy ban")
    page.get_by_role("button", name="Tìm", exact=True).click()
    results = page.locator("[data-doc-search-results] button")
    results.first.wait_for()
    assert "Giao Ủy ban" in results.first.inner_text()
    screenshot(page, "offline-dropped-network")

    # A page the briefcase does not hold is not served from anywhere.
    missing = page.evaluate(
        """async () => (await fetch("/__briefcase__/meetings/0/participants/")).status"""
    )
    assert missing == 503


TWO_DOWNLOADS = """async (meetingId) => {
  const { store } = window.nghisuBriefcase;
  const manifest = await store.fetchManifest(meetingId);
  const waited = [];
  // The user's "Tải về" and the automatic download of the same meeting, at once.
  await Promise.all([
    store.download(manifest, { onWait: () => waited.push("manual") }),
    store.download(manifest, { onWait: () => waited.push("auto") }),
  ]);
  const fetched = performance.getEntriesByType("resource")
    .filter((e) => e.initiatorType === "fetch" && new URL(e.name).pathname.includes("/pages/"))
    .map((e) => new URL(e.name).pathname + new URL(e.name).search);
  return { waited, fetched, pages: manifest.files.filter((f) => f.kind === "page").length,
           complete: (await store.packMeta(meetingId)).complete };
}"""


def test_two_downloads_of_one_pack_at_once_fetch_each_file_once(
    live_server, new_context, meeting_with_doc
):
    meeting, _doc = meeting_with_doc
    context = new_context(viewport=TABLET_PORTRAIT, service_workers="allow")
    page = context.new_page()
    login(page, live_server.url, "daibieu01")
    page.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    page.wait_for_function("window.nghisuBriefcase !== undefined")
    result = page.evaluate(TWO_DOWNLOADS, meeting.pk)
    assert result["waited"] == ["auto"]
    assert result["complete"]
    assert result["pages"] == 3
    assert sorted(result["fetched"]) == sorted(set(result["fetched"]))
    assert len(result["fetched"]) == 3

    # While another tab or the automatic download holds the pack, the card
    # says so, then finishes once it is free.
    page.reload()
    page.wait_for_function(
        "/Đã lưu offline: 3 trang/.test(document.querySelector("
        "'[data-briefcase-status]').textContent)"
    )
    page.evaluate(
        """(meetingId) => {
          const key = document.querySelector('meta[name="nghisu-offline-key"]').content;
          navigator.locks.request(`nghisu-pack-${key}-${meetingId}`,
            () => new Promise((resolve) => { window.releasePack = resolve; }));
        }""",
        meeting.pk,
    )
    page.wait_for_function("typeof window.releasePack === 'function'")
    page.get_by_role("button", name="Cập nhật").click()
    page.wait_for_function(
        "/đang được tải ở nơi khác/.test(document.querySelector("
        "'[data-briefcase-status]').textContent)"
    )
    page.evaluate("window.releasePack()")
    page.wait_for_function(
        "/Đã lưu offline: 3 trang/.test(document.querySelector("
        "'[data-briefcase-status]').textContent)"
    )
