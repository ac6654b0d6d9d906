# ruff: noqa: F811  (fixtures imported from tests/oversight/conftest.py)
"""In Chromium at tablet size: two delegates send questions on the session's
page, the secretary merges the duplicates and puts the question segment on
the agenda; the official sees the question addressed to their agency."""

from __future__ import annotations

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import (
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)
from tests.oversight.conftest import agencies, session  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ask(page, base, meeting, topic, text):
    page.goto(f"{base}/oversight/meetings/{meeting}/questions/")
    page.select_option("#q-agency", label="Sở Y tế")
    page.fill("#q-topic", topic)
    page.fill("#q-text", text)
    page.get_by_role("button", name="Gửi câu hỏi", exact=True).click()
    page.get_by_text("Đã gửi câu hỏi chất vấn.").wait_for()


def test_questions_are_sent_merged_and_put_on_the_agenda(
    live_server,
    new_context,
    cast,
    agencies,
    session,
):
    base = live_server.url
    one = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(one, base, "daibieu01")
    one.goto(f"{base}/meetings/{session.pk}/")
    one.get_by_role("link", name="Chất vấn tại kỳ họp").click()
    _ask(one, base, session.pk, "Y tế cơ sở", "Vì sao trạm y tế xã thiếu thuốc?")
    screenshot(one, "questions-delegate")
    assert_no_horizontal_scroll(one)
    two = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(two, base, "daibieu02")
    _ask(two, base, session.pk, "y te co so", "Trạm y tế xã thiếu thuốc thiết yếu.")

    secretary = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(secretary, base, "thuky")
    secretary.goto(f"{base}/oversight/meetings/{session.pk}/questions/")
    boxes = secretary.locator("input[name=questions]")
    assert boxes.count() == 2  # one group: same topic, same agency
    boxes.nth(0).check()
    boxes.nth(1).check()
    secretary.get_by_role("button", name="Gộp các câu hỏi đã chọn").click()
    secretary.get_by_text("Đã gộp các câu hỏi trùng nhau.").wait_for()
    secretary.check(f"input[name=officials][value='{agencies.health_official.pk}']")
    secretary.get_by_role("button", name="Đưa vào chương trình").click()
    secretary.get_by_text("Đã đưa phần chất vấn vào chương trình kỳ họp.").wait_for()
    screenshot(secretary, "questions-secretary")
    assert_accessible(secretary, "session's questions")
    assert_no_horizontal_scroll(secretary)
    secretary.goto(f"{base}/meetings/{session.pk}/")
    secretary.get_by_text("Chất vấn và trả lời chất vấn").first.wait_for()

    official = new_context(viewport=TABLET_PORTRAIT).new_page()
    login(official, base, "giamdocyte")
    official.goto(f"{base}/oversight/")
    official.get_by_text("Y tế cơ sở").first.wait_for()
    response = official.goto(f"{base}/oversight/meetings/{session.pk}/questions/")
    assert response.status == 404
