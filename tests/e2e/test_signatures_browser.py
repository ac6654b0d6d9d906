"""In Chromium at 768×1024, in Vietnamese: the signature badge and panel."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import documents.pdf as pdf
from documents import actions, processing, signatures
from tests.documents import signing_pki
from tests.e2e.conftest import (
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "Công văn đã ký số của UBND tỉnh"


def test_a_delegate_sees_who_signed_in_the_viewer_panel(
    live_server, new_context, cast, tmp_path
):
    hierarchy = signing_pki.build(tmp_path / "pki")
    plain, signed = tmp_path / "plain.pdf", tmp_path / "signed.pdf"
    pdf.make_demo_pdf(plain, title="CÔNG VĂN", paragraphs=["Nội dung."] * 5, pages=2)
    signing_pki.sign(plain, signed, hierarchy.body, reason="Ban hành")
    signing_pki.sign(signed, tmp_path / "two.pdf", hierarchy.stranger)
    signatures.add_trust_root(None, hierarchy.root_pem)
    document = actions.create_document(
        cast.secretary,
        body=cast.hdnd,
        title=TITLE,
        uploaded_file=SimpleUploadedFile(
            "cong-van.pdf", (tmp_path / "two.pdf").read_bytes()
        ),
    )
    processing.process_version(document.latest_version_id)
    actions.grant(cast.secretary, document, groups=[cast.hdnd.group])

    base = live_server.url
    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(page, base, cast.delegate.username)
    page.goto(f"{base}/documents/")
    row = page.locator("a", has_text=TITLE).first
    row.wait_for()
    assert "Chữ ký không hợp lệ" in page.content()
    page.goto(f"{base}/documents/{document.pk}/")
    panel = page.locator("#signatures")
    panel.wait_for()
    text = panel.inner_text()
    assert "Chữ ký số" in text
    assert "Văn phòng HĐND tỉnh Sơn La" in text and "HĐND tỉnh Sơn La" in text
    assert "Người Lạ" in text
    assert "Chứng thư số không thuộc nguồn tin cậy đã cài đặt." in text
    assert panel.locator(".signature-valid").count() == 1
    assert panel.locator(".signature-invalid").count() == 1
    panel.scroll_into_view_if_needed()
    assert_no_horizontal_scroll(page)
    screenshot(page, "signatures-panel-768")


def test_a_chair_registers_and_removes_their_certificate(
    live_server, new_context, cast, tmp_path
):
    hierarchy = signing_pki.build(tmp_path / "pki")
    base = live_server.url
    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(page, base, cast.chair.username)
    page.get_by_role("link", name="Chứng thư số của tôi").click()
    page.get_by_role("heading", name="Chứng thư số của tôi").wait_for()
    page.set_input_files("input[type=file]", str(hierarchy.chair.pem))
    page.get_by_role("button", name="Đăng ký", exact=True).click()
    card = page.locator(".certificate")
    card.wait_for()
    text = card.inner_text()
    assert "CN=Nguyễn Văn Chủ Tọa, O=HĐND tỉnh, C=VN" in text and "Cơ quan cấp" in text
    assert_no_horizontal_scroll(page)
    screenshot(page, "my-certificates-768")
    page.get_by_role("button", name="Gỡ chứng thư").click()
    page.get_by_text("Bạn chưa đăng ký chứng thư số nào.").wait_for()
