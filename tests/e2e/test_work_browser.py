"""In Chromium at tablet size: the UBND chair sends a written consultation, two
members answer in their own browsers, the chair closes it and downloads the
summary report."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page, base: str, opinion: str, comment: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("link", name="Dự thảo Quyết định phê duyệt Đề án").first.click()
    page.get_by_label(opinion, exact=True).check()
    page.fill("textarea[name=comment]", comment)
    page.get_by_role("button", name="Gửi ý kiến").click()
    page.get_by_text("Đã ghi nhận ý kiến của đồng chí.").wait_for()


def test_chair_sends_two_members_answer_chair_closes_and_downloads(
    live_server, new_context, cast, tmp_path
):
    from accounts import actions as account_actions
    from accounts.models import Position
    from work.models import Consultation, ConsultationRecipient

    second = account_actions.create_user(
        "thanhvien02", full_name="Lò Thị Mai", password="pw-Test-123!"
    )
    account_actions.add_membership(
        cast.ubnd,
        second,
        position=Position.MEMBER,
        start_date=datetime.date(2021, 7, 1),
    )
    base = live_server.url

    chair = new_context(viewport=TABLET_LANDSCAPE).new_page()
    login(chair, base, "chutich")
    chair.goto(f"{base}/work/")
    chair.get_by_role("link", name="Gửi xin ý kiến").click()
    chair.fill("input[name=title]", "Dự thảo Quyết định phê duyệt Đề án chuyển đổi số")
    chair.fill("textarea[name=question]", "Đề nghị các đồng chí cho ý kiến về dự thảo.")
    deadline = timezone.localtime() + datetime.timedelta(days=2)
    chair.fill("input[name=deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
    screenshot(chair, "work-consultation-form-landscape")
    assert_no_horizontal_scroll(chair)
    chair.get_by_role("button", name="Gửi phiếu xin ý kiến").click()
    chair.get_by_text("Đã gửi phiếu xin ý kiến.").wait_for()
    consultation = Consultation.objects.get()
    assert consultation.recipients.count() == 3

    first_member = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(first_member, base, "thanhvien01")
    assert first_member.locator("[data-bell-count]").inner_text() == "1"
    _answer(first_member, base, "Đồng ý", "Nhất trí với dự thảo.")
    screenshot(first_member, "work-consultation-answered-portrait")
    assert_no_horizontal_scroll(first_member)

    second_member = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(second_member, base, "thanhvien02")
    _answer(second_member, base, "Ý kiến khác", "Đề nghị bổ sung lộ trình thực hiện.")
    # Before the close, members do not see each other's answers.
    assert "Nhất trí với dự thảo." not in second_member.content()

    chair.reload()
    chair.get_by_label("Đồng ý", exact=True).check()
    chair.get_by_role("button", name="Gửi ý kiến").click()
    chair.get_by_text("Đã ghi nhận ý kiến của đồng chí.").wait_for()
    chair.reload()
    assert "Đề nghị bổ sung lộ trình thực hiện." in chair.content()
    chair.once("dialog", lambda dialog: dialog.accept())
    chair.get_by_role("button", name="Kết thúc sớm và tổng hợp").click()
    chair.get_by_text("Đã kết thúc việc xin ý kiến.").wait_for()
    chair.get_by_text("vấn đề được thông qua").wait_for()
    screenshot(chair, "work-consultation-closed-landscape")
    assert_no_horizontal_scroll(chair)
    with chair.expect_download() as info:
        chair.get_by_role("link", name="Tải phiếu tổng hợp ý kiến (PDF)").click()
    saved = tmp_path / "phieu.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    second_member.reload()
    assert "Nhất trí với dự thảo." in second_member.content()
    screenshot(second_member, "work-consultation-result-portrait")
    assert dict(
        ConsultationRecipient.objects.values_list("user__username", "opinion")
    ) == {"chutich": "agree", "thanhvien01": "agree", "thanhvien02": "other"}


def test_the_dashboard_and_a_task_fit_a_tablet(live_server, new_context, cast):
    from work import actions
    from work.models import Assignment

    today = timezone.localdate()
    for n in range(6):
        a = actions.create_assignment(
            cast.chair,
            body=cast.hdnd,
            title=f"Nhiệm vụ số {n + 1}: rà soát, tổng hợp và báo cáo kết quả thực hiện",
            deadline=today + datetime.timedelta(days=n + 1),
            assignee_body=cast.ubnd if n % 2 else None,
            assignee_user=None if n % 2 else cast.ubnd_member,
        )
        if n == 0:
            Assignment.objects.filter(pk=a.pk).update(
                deadline=today - datetime.timedelta(days=2)
            )
        if n == 2:
            actions.submit_done(cast.ubnd_member, a, text="Đã xong")
            actions.accept_assignment(cast.chair, a)
    base = live_server.url
    for name, viewport in (
        ("portrait", TABLET_PORTRAIT),
        ("landscape", TABLET_LANDSCAPE),
    ):
        page = new_context(viewport=viewport).new_page()
        login(page, base, "thuky")
        page.goto(f"{base}/work/bodies/{cast.hdnd.pk}/dashboard/")
        page.get_by_role("heading", name="Nhiệm vụ quá hạn").wait_for()
        assert page.locator("svg.chart").count() == 1
        screenshot(page, f"work-dashboard-{name}")
        assert_no_horizontal_scroll(page)
        page.select_option("select[name=status]", "overdue")
        page.wait_for_function(
            "document.querySelector('[data-row-count]').textContent.trim().startsWith('1 ')"
        )
        page.get_by_role("link", name="Nhiệm vụ số 1", exact=False).first.click()
        page.get_by_role("heading", name="Quá trình thực hiện").wait_for()
        screenshot(page, f"work-assignment-{name}")
        assert_no_horizontal_scroll(page)
