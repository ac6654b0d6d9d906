"""In Chromium at 768×1024: the briefcase's rules on the tablet itself.

A download cut off half-way resumes where it stopped; a pack out of contact for
longer than its time is wiped, never served; a new version of a document reaches
the tablet at the next contact (docs/offline.md).
"""

from __future__ import annotations

import pytest

import documents.pdf as pdf
from documents import actions as doc_actions
from tests.documents.conftest import upload_file
from tests.e2e.test_offline import (  # noqa: F401 (fixtures)
    HELD_URLS,
    demo_pdf,
    download_pack,
    meeting_page,
    meeting_with_doc,
)
from tests.meetings.conftest import draft  # noqa: F401 (the meeting fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUS = "document.querySelector('[data-briefcase-status]').textContent"


def test_a_download_cut_off_half_way_resumes_where_it_stopped(
    live_server,
    new_context,
    meeting_with_doc,  # noqa: F811
):
    meeting, doc = meeting_with_doc
    context, page = meeting_page(new_context, live_server.url, meeting)
    served: list[str] = []
    cut = {"done": False}

    def network(route):
        url = route.request.url
        if (
            "/pages/" in url
            and "w=" in url
            and route.request.headers.get("x-nghisu-briefcase")
        ):
            if "/pages/2/" in url and not cut["done"]:
                cut["done"] = True
                route.abort("internetdisconnected")
                return
            served.append(url)
        route.continue_()

    context.route("**/*", network)
    page.get_by_role("button", name="Tải về để đọc offline").click()
    page.get_by_role("button", name="Bắt đầu tải").click()
    page.wait_for_function(f"/Tải tiếp/.test({STATUS})")
    assert (
        "Mới tải được một phần" in page.locator("[data-briefcase-status]").inner_text()
    )
    page.get_by_role("button", name="Tải tiếp").wait_for()

    page.get_by_role("button", name="Tải tiếp").click()
    page.wait_for_function(f"/Đã lưu offline: 3 trang/.test({STATUS})")
    # Every page image came once: what was stored before the cut was kept.
    pages = sorted(url.split("/pages/")[1] for url in served)
    assert pages == sorted(set(pages)), served
    assert [p.split("/")[0] for p in pages] == ["1", "2", "3"]
    assert any("/pages/2/" in url for url in page.evaluate(HELD_URLS, doc.pk))


EXPIRE = """async (meetingId) => {
  const name = (await caches.keys()).find((n) => n.endsWith(`-m${meetingId}`));
  const cache = await caches.open(name);
  const meta = await (await cache.match("/__nghisu__/pack.json")).json();
  meta.lastContact = Date.now() - (meta.maxAgeHours + 1) * 3600e3;
  await cache.put("/__nghisu__/pack.json", new Response(JSON.stringify(meta)));
}"""


def test_a_pack_out_of_contact_too_long_is_wiped_not_served(
    live_server,
    new_context,
    meeting_with_doc,  # noqa: F811
):
    meeting, _doc = meeting_with_doc
    context, page = meeting_page(new_context, live_server.url, meeting)
    download_pack(page)
    # 73 hours without contact (the default allows 72), as a tablet left in a
    # drawer; then it opens with no network.
    page.evaluate(EXPIRE, meeting.pk)
    context.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text() == "Không có mạng"
    page.wait_for_function(
        "async () => (await caches.keys()).every((n) => !n.startsWith('nghisu-u-'))"
    )


def test_a_new_version_reaches_the_tablet_at_the_next_contact(
    live_server,
    new_context,
    cast,
    meeting_with_doc,  # noqa: F811
    tmp_path,
):
    meeting, doc = meeting_with_doc
    context, page = meeting_page(new_context, live_server.url, meeting)
    download_pack(page)
    held = page.evaluate(HELD_URLS, doc.pk)
    assert any("/versions/1/pages/3/" in url for url in held)

    path = tmp_path / "du-toan-v2.pdf"
    pdf.make_demo_pdf(
        path,
        title="TỜ TRÌNH VỀ DỰ TOÁN NGÂN SÁCH (SỬA ĐỔI)",
        paragraphs=["Điều 1. Thông qua dự toán đã sửa đổi."] * 3,
        pages=4,
    )
    doc_actions.add_version(
        cast.secretary, doc, uploaded_file=upload_file("v2.pdf", path.read_bytes())
    )
    page.evaluate("window.nghisuBriefcase.syncAll()")
    page.wait_for_function(
        "async (id) => (await ("
        + HELD_URLS
        + ")(id)).some((u) => u.includes('/versions/2/pages/4/'))",
        arg=doc.pk,
    )
    held = page.evaluate(HELD_URLS, doc.pk)
    assert not [url for url in held if "/versions/1/" in url], held
    page.reload()
    page.wait_for_function(f"/Đã lưu offline: 4 trang/.test({STATUS})")
