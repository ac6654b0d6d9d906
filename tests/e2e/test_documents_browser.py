"""In Chromium at tablet size: upload with progress, the viewer, sharing with a
body, a confidential watermark, search and a hostile file."""

from __future__ import annotations

import re

import pytest

import documents.pdf as pdf
from accounts.models import AuditEvent
from documents import actions
from documents.models import Document
from nghisu.text import fold
from tests.documents import pdf_builders as B
from tests.documents.conftest import upload_file
from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "Nghị quyết về dự toán ngân sách 2026"


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "nghi-quyet.pdf"
    pdf.make_demo_pdf(
        path,
        title="NGHỊ QUYẾT VỀ DỰ TOÁN NGÂN SÁCH",
        paragraphs=[
            "Điều 1. Thông qua Nghị quyết về phân bổ dự toán ngân sách địa phương.",
            "Điều 2. Giao Ủy ban nhân dân tỉnh tổ chức thực hiện.",
        ]
        * 4,
        pages=5,
        heading_lines=["HỘI ĐỒNG NHÂN DÂN", "TỈNH SƠN LA"],
    )
    return path


def test_secretary_uploads_views_and_shares_a_delegate_sees_it(
    live_server, new_context, cast, demo_pdf
):
    base = live_server.url
    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(page, base, "thuky")
    page.goto(f"{base}/documents/")
    page.select_option("select[name=body]", str(cast.hdnd.pk))
    page.fill("input[name=title]", TITLE)
    page.set_input_files("input[name=files]", str(demo_pdf))
    page.get_by_role("button", name="Tải lên").first.click()
    # Bytes upload (progress bar), then processing progress until ready.
    ready = page.locator("#upload-results .doc-status[data-status=ready]")
    ready.wait_for()
    assert "5 trang" in ready.inner_text()
    screenshot(page, "documents-upload-ready")
    assert_no_horizontal_scroll(page)

    ready.get_by_role("link", name="Mở").click()
    page.wait_for_selector(".viewer-img")
    page.wait_for_function(
        "document.querySelector('.viewer-img').src.includes('w=')"
        " && !document.querySelector('.viewer-img').src.endsWith('w=160')"
        " && document.querySelector('.viewer-img').complete"
    )
    assert page.locator(".viewer-thumb").count() == 5
    # The strip loads once the page has (the page being read comes first), and
    # then every thumbnail arrives.
    page.wait_for_function(
        "[...document.querySelectorAll('.viewer-thumb img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    strip_started = page.evaluate(
        """() => {
          const load = performance.getEntriesByType("navigation")[0].loadEventStart;
          return performance.getEntriesByType("resource")
            .filter((r) => /\\/pages\\/[2-5]\\/\\?w=160/.test(r.name))
            .map((r) => r.startTime >= load);
        }"""
    )
    assert strip_started == [True] * 4
    page.keyboard.press("ArrowRight")
    assert page.input_value(".viewer-page-input") == "2"
    page.get_by_role("button", name="Trang sau").click()
    assert page.input_value(".viewer-page-input") == "3"
    assert "page=3" in page.url
    page.fill(".viewer-page-input", "5")
    page.get_by_role("button", name="Đi", exact=True).click()
    assert page.input_value(".viewer-page-input") == "5"
    page.get_by_role("button", name="Phóng to").click()
    page.wait_for_function(
        "/w=(1200|1600)/.test(document.querySelector('.viewer-img').src)"
    )
    page.get_by_role("button", name="Thu nhỏ").click()
    # The text layer is selectable words from the word boxes.
    page.wait_for_selector(".viewer-text span")
    assert "Nghị" in page.inner_text(".viewer-text")
    page.evaluate("window.nghisuViewer.goTo(1)")
    assert page.input_value(".viewer-page-input") == "1"
    assert_no_horizontal_scroll(page)
    screenshot(page, "documents-viewer-portrait")

    page.get_by_role("button", name="Chia sẻ").click()
    page.locator("#share-panel h2").wait_for()
    page.locator("#share-q").press_sequentially("hdnd tinh son la", delay=20)
    page.press("#share-q", "Enter")
    page.locator("#share-found button").first.click()
    page.locator(".share-list").get_by_text("HĐND tỉnh Sơn La").wait_for()
    assert "Cầm Văn Đông" in page.inner_text(".share-list")
    screenshot(page, "documents-share-dialog")

    delegate = new_context(viewport=TABLET_LANDSCAPE).new_page()
    login(delegate, base, "daibieu01")
    delegate.goto(f"{base}/documents/")
    delegate.get_by_role("link", name=re.compile("Nghị quyết về dự toán")).click()
    delegate.wait_for_selector(".viewer-img")
    assert_no_horizontal_scroll(delegate)
    screenshot(delegate, "documents-viewer-landscape-delegate")

    # Search without diacritics finds it, with the page and the match marked.
    delegate.goto(f"{base}/documents/search/?q=nghi+quyet")
    hits = delegate.locator(".search-hits")
    assert "Trang 1" in hits.inner_text()
    marked = delegate.locator(".search-hits mark").first.inner_text()
    assert fold(marked) == "nghi quyet" and marked != "nghi quyet"

    other = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(other, base, "thanhvien01")
    other.goto(f"{base}/documents/")
    assert TITLE not in other.content()
    doc = Document.objects.get(title=TITLE)
    response = other.goto(f"{base}/documents/{doc.pk}/")
    assert response.status == 404 and TITLE not in other.content()


def test_confidential_page_shows_the_viewer_and_a_hostile_file_harms_nothing(
    live_server, new_context, cast, demo_pdf
):
    base = live_server.url
    secret = actions.create_document(
        cast.secretary,
        body=cast.hdnd,
        title="Tờ trình nhân sự (Mật)",
        uploaded_file=upload_file("mat.pdf", demo_pdf.read_bytes()),
        classification="confidential",
    )
    actions.grant(cast.secretary, secret, users=[cast.delegate])
    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(page, base, "daibieu01")
    page.goto(f"{base}/documents/{secret.pk}/")
    page.wait_for_function(
        "/w=(800|1200|1600)/.test(document.querySelector('.viewer-img').src)"
        " && document.querySelector('.viewer-img').complete"
    )
    path = screenshot(page, "documents-confidential-watermark")
    assert path.exists()
    views = AuditEvent.objects.filter(
        action="document.page_view", object_id=str(secret.pk), user=cast.delegate
    )
    assert any(v.detail["page"] == 1 and v.detail["width"] >= 800 for v in views)

    # A hostile upload fails with its reason; the server keeps serving.
    sec = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(sec, base, "thuky")
    sec.goto(f"{base}/documents/")
    sec.set_input_files(
        "input[name=files]",
        files=[
            {
                "name": "nhieu-trang.pdf",
                "mimeType": "application/pdf",
                "buffer": B.text_pdf(5000),
            },
            {
                "name": "gia-mao.pdf",
                "mimeType": "application/pdf",
                "buffer": b"MZ\x90\x00 not a pdf",
            },
        ],
    )
    sec.get_by_role("button", name="Tải lên").first.click()
    sec.locator("#upload-results .doc-status[data-status=failed]").wait_for()
    results = sec.inner_text("#upload-results")
    assert "5000 trang" in results and "gia-mao.pdf" in results
    screenshot(sec, "documents-hostile-upload")
    page.reload()
    page.wait_for_selector(".viewer-img")
    assert page.goto(f"{base}/documents/").status == 200
