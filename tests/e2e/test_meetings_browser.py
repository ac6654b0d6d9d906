"""In Chromium at tablet size: the secretary builds and publishes a meeting, a
delegate sees it and accepts."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from meetings.models import Answer, Meeting, MeetingStatus, Participant
from tests.documents import pdf_builders
from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(days: int, hour: int) -> str:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def test_secretary_builds_and_publishes_then_a_delegate_accepts(
    live_server, new_context, cast, tmp_path
):
    base = live_server.url
    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(page, base, "thuky")
    page.goto(f"{base}/meetings/")
    page.get_by_role("link", name="Tạo cuộc họp").click()
    page.fill("input[name=title]", "Kỳ họp chuyên đề về chuyển đổi số")
    page.select_option("select[name=kind]", "hdnd_thematic")
    page.fill("input[name=number]", "14")
    page.fill("input[name=starts_at]", _local(5, 8))
    page.fill("input[name=ends_at]", _local(5, 11))
    page.fill("input[name=place]", "Hội trường tầng 3")
    page.get_by_role("button", name="Tạo cuộc họp").click()
    page.wait_for_url("**/agenda/")

    titles = [
        "Khai mạc kỳ họp",
        "Tờ trình về chuyển đổi số",
        "Báo cáo thẩm tra",
        "Thảo luận",
        "Bế mạc",
    ]
    for title in titles:
        page.fill("#add input[name=title]", title)
        page.fill("#add input[name=duration_minutes]", "20")
        page.get_by_role("button", name="Thêm vào chương trình").click()
        page.wait_for_selector(f"li.build-row:has-text('{title}')")
    assert page.locator("ol.agenda-builder > li.build-row").count() == 5

    # Drag "Bế mạc" (last) above "Thảo luận" with the pointer.
    handle = page.locator("li.build-row:has-text('Bế mạc') [data-drag-handle]")
    target = page.locator("li.build-row:has-text('Thảo luận')")
    # The mouse works in the viewport: bring both rows into it first (at
    # 768x1024 the builder's last rows sit below the fold).
    handle.scroll_into_view_if_needed()
    target.scroll_into_view_if_needed()
    hb, tb = handle.bounding_box(), target.bounding_box()
    page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
    page.mouse.down()
    page.mouse.move(tb["x"] + 40, tb["y"] + 8, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "document.querySelector('ol.agenda-builder').dataset.version !== '5'"
    )
    meeting = Meeting.objects.get(title="Kỳ họp chuyên đề về chuyển đổi số")
    order = [i.title for i in meeting.items.order_by("position")]
    assert order == [
        "Khai mạc kỳ họp",
        "Tờ trình về chuyển đổi số",
        "Báo cáo thẩm tra",
        "Bế mạc",
        "Thảo luận",
    ]
    # The ↑ button moves "Thảo luận" back up.
    page.reload()
    page.locator("li.build-row:has-text('Thảo luận') button[aria-label='Lên']").click()
    page.wait_for_load_state()
    order = [i.title for i in meeting.items.order_by("position")]
    assert order[3:] == ["Thảo luận", "Bế mạc"]
    assert_no_horizontal_scroll(page)
    screenshot(page, "meetings-agenda-builder-768")

    # Upload a document in place on item 2.
    page.locator(
        "li.build-row:has-text('Tờ trình') a:has-text('Sửa, tài liệu')"
    ).click()
    pdf_path = tmp_path / "to-trinh.pdf"
    pdf_path.write_bytes(pdf_builders.text_pdf(2))
    page.set_input_files("input[name=file]", str(pdf_path))
    page.fill("input[name=title]", "Tờ trình số 45/TTr-UBND")
    page.get_by_role("button", name="Tải lên và đính kèm").click()
    # Sent by the progress script (bar and percentage); the message survives.
    page.wait_for_selector("text=Đã tải lên và đính kèm tài liệu.")
    page.wait_for_selector("text=Tờ trình số 45/TTr-UBND")
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Người dự họp").click()
    page.get_by_role("button", name="Mời tất cả thành viên").click()
    page.wait_for_selector("text=Đã mời")
    screenshot(page, "meetings-participants-768")
    page.get_by_role("link", name="Tổng quan").click()
    page.get_by_role("button", name="Công bố và gửi giấy mời").click()
    page.wait_for_selector("text=Đã công bố cuộc họp")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert_no_horizontal_scroll(page)
    screenshot(page, "meetings-published-768")

    delegate = new_context(viewport=TABLET_LANDSCAPE).new_page()
    login(delegate, base, "daibieu01")
    assert "Kỳ họp chuyên đề về chuyển đổi số" in delegate.content()
    delegate.get_by_role("link", name="Kỳ họp chuyên đề về chuyển đổi số").first.click()
    delegate.wait_for_selector("text=Giấy mời của bạn")
    assert delegate.locator("text=Tờ trình số 45/TTr-UBND").count() == 1
    delegate.get_by_role("button", name="Xác nhận tham dự").click()
    delegate.wait_for_selector("text=Đã ghi nhận câu trả lời của bạn.")
    assert (
        Participant.objects.get(meeting=meeting, user=cast.delegate).answer
        == Answer.ACCEPTED
    )
    assert_no_horizontal_scroll(delegate)
    screenshot(delegate, "meetings-delegate-accepted-1280")
    delegate.goto(f"{base}/notifications/")
    assert delegate.locator("text=Giấy mời họp").count() >= 1
