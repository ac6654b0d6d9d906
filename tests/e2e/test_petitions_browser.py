# ruff: noqa: F811  (fixtures imported from tests/oversight/conftest.py)
"""In Chromium at tablet size: the secretary imports petitions from Excel (bad
rows named, then the good ones imported), forwards one; the official sees only
their agency's petition and answers it; the answer is published."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import (
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)
from tests.oversight.conftest import agencies, period  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_petitions_from_excel_to_a_published_answer(
    live_server, new_context, cast, agencies, period, tmp_path
):
    from tests.oversight.test_petitions import ROWS, _xlsx

    path = tmp_path / "kien-nghi.xlsx"
    path.write_bytes(_xlsx(ROWS).read())
    base = live_server.url

    secretary = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(secretary, base, "thuky")
    secretary.goto(f"{base}/oversight/")
    secretary.get_by_role("link", name=period.name).click()
    secretary.set_input_files("#imp-file", str(path))
    secretary.get_by_role("button", name="Nhập", exact=True).click()
    secretary.get_by_text("Dòng 3: Thiếu nội dung kiến nghị.").wait_for()
    screenshot(secretary, "petitions-import-errors")
    assert_no_horizontal_scroll(secretary)
    secretary.set_input_files("#imp-file", str(path))
    secretary.check("input[name=import_good]")
    secretary.get_by_role("button", name="Nhập", exact=True).click()
    secretary.get_by_text("Đã nhập 2 kiến nghị; bỏ qua 4 dòng lỗi.").wait_for()
    secretary.check("input[name=petitions] >> nth=0")
    due = timezone.localdate() + datetime.timedelta(days=20)
    secretary.fill("#fw-due", due.isoformat())
    secretary.get_by_role("button", name="Chuyển cơ quan trả lời").click()
    secretary.get_by_text("Đã chuyển 1 kiến nghị đến cơ quan trả lời.").wait_for()
    screenshot(secretary, "petitions-register")
    assert_accessible(secretary, "petitions register")
    assert_no_horizontal_scroll(secretary)

    official = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(official, base, "giamdocyte")
    official.goto(f"{base}/oversight/")
    official.get_by_text("Sửa đường liên bản").wait_for()
    assert official.get_by_text("Thêm phòng học").count() == 0  # another agency's
    screenshot(official, "petitions-official-index")
    assert_accessible(official, "official's index")
    official.get_by_text("Sửa đường liên bản").click()
    official.fill("#a-text", "Đã đưa vào kế hoạch sửa chữa năm 2026.")
    official.get_by_role("button", name="Gửi trả lời").click()
    official.get_by_text("Đã gửi câu trả lời kiến nghị.").wait_for()

    secretary.goto(f"{base}/oversight/")
    secretary.get_by_role("link", name=period.name).click()
    secretary.get_by_text("Sửa đường liên bản").click()
    secretary.get_by_role("button", name="Công khai câu trả lời").click()
    secretary.get_by_text("Đã cập nhật công khai câu trả lời.").wait_for()

    reader = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(reader, base, "ngoai")
    reader.goto(f"{base}/oversight/public/?q=sua+chua")
    reader.get_by_text("Đã đưa vào kế hoạch sửa chữa năm 2026.").wait_for()
    screenshot(reader, "petitions-public")
    assert_accessible(reader, "public answers")
    assert_no_horizontal_scroll(reader)


def test_the_secretary_registers_an_official_from_the_agencys_page(
    live_server, new_context, cast, agencies
):
    from accounts.actions import create_user

    create_user("phogiamdocyte", full_name="Lò Thị Ánh", password="pw-Test-123!")
    base = live_server.url
    secretary = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(secretary, base, "thuky")
    secretary.goto(f"{base}/oversight/")
    secretary.get_by_role("link", name="Sở Y tế").click()
    secretary.get_by_label("Tìm người theo tên (gõ không dấu cũng được)").fill(
        "lo thi anh"
    )
    secretary.get_by_role("button", name="Tìm", exact=True).click()
    secretary.get_by_label("Chức vụ (không bắt buộc)").fill("Phó Giám đốc Sở Y tế")
    screenshot(secretary, "agency-register-official")
    assert_accessible(secretary, "agency page")
    assert_no_horizontal_scroll(secretary)
    secretary.get_by_role("button", name="Đăng ký", exact=True).click()
    secretary.get_by_text("Đã đăng ký Lò Thị Ánh trả lời cho Sở Y tế.").wait_for()
    official = secretary.locator("[data-official]", has_text="Lò Thị Ánh")
    assert "Phó Giám đốc Sở Y tế" in official.inner_text()
    screenshot(secretary, "agency-official-registered")
