"""The room on one screen, at the three sizes people use it: a chair and two
delegates at once. The presented page fits the viewport; a vote opening brings
the ballot sheet over whatever a delegate is reading; the floor alert reaches
only the granted delegate; closing a vote early asks first; a conclusion
recorded in the room shows on the meeting's pages.

Screenshots of each state, per size, go to test-artifacts/room-<size>-*.png.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.a11y import assert_touch_targets
from tests.e2e.conftest import login, screenshot
from tests.realtime.servers import Stack

pytestmark = [pytest.mark.browser, pytest.mark.daphne]

PASSWORD = "pw-Test-123!"
SIZES = {
    "portrait": {"width": 768, "height": 1024},
    "landscape": {"width": 1024, "height": 768},
    "desktop": {"width": 1280, "height": 800},
}


@pytest.fixture
def server(tmp_path):
    stack = Stack(tmp_path, None)
    stack.prepare("--password", PASSWORD, "--document", "--voters", "0")
    port = stack.start_server()
    yield stack, f"http://127.0.0.1:{port}"
    stack.close()


def _enter(new_context, size, base, username, meeting):
    context = new_context(viewport=size, has_touch=True, is_mobile=False)
    page = context.new_page()
    login(page, base, username, PASSWORD)
    page.goto(f"{base}/meetings/{meeting}/room/")
    page.wait_for_selector('[data-conn][data-state="open"]')
    return page


def _pane(page, name):
    """Show a pane: a tab on tablets (drawer), always there on the console."""
    tab = page.locator(f'[data-tab="{name}"]')
    if tab.is_visible() and tab.get_attribute("aria-expanded") != "true":
        tab.click()
    page.wait_for_selector(f'[data-pane="{name}"] h2', state="visible")


def _close(page):
    """Close the drawer (tablets): the page is back in full."""
    tab = page.locator('[data-tab][aria-expanded="true"]')
    if tab.count() and tab.is_visible():
        tab.click()


def _page_fits(page):
    box = page.locator("img.page").bounding_box()
    view = page.viewport_size
    assert box["y"] >= 0 and box["x"] >= 0, box
    assert box["y"] + box["height"] <= view["height"] + 1, (box, view)
    assert box["x"] + box["width"] <= view["width"] + 1, (box, view)
    return box["height"] / view["height"]


def _touch_targets(page):
    """Every control on screen is at least 44 px by 44 px."""
    assert_touch_targets(page, "#room")


def _no_scroll(page):
    overflow = page.evaluate(
        "[document.documentElement.scrollHeight - innerHeight,"
        " document.documentElement.scrollWidth - innerWidth]"
    )
    assert overflow[0] <= 0 and overflow[1] <= 0, overflow


@pytest.mark.parametrize("size", list(SIZES))
def test_the_room_on_one_screen(new_context, server, size):
    stack, base = server
    meeting = stack.seed["meeting"]
    view = SIZES[size]
    chair = _enter(new_context, view, base, "chutoa", meeting)
    one = _enter(new_context, view, base, "daibieu01", meeting)
    two = _enter(new_context, view, base, "daibieu02", meeting)

    # The chair moves to the item and presents: the page fills each screen.
    screenshot(chair, f"room-{size}-chair-start")
    _pane(chair, "agenda")
    chair.click('[data-cmd="next"]')
    chair.wait_for_selector(
        '.agenda-item.is-current:has-text("Báo cáo tình hình")', state="attached"
    )
    _close(chair)
    chair.click("[data-present]")
    for page in (one, two):
        page.wait_for_selector('img.page[data-page="1"]')
        page.wait_for_function(
            "document.querySelector('img.page').complete"
            " && document.querySelector('img.page').naturalWidth > 0"
        )
    chair.wait_for_selector('img.page[data-page="1"]')
    for page in (chair, one, two):
        _no_scroll(page)
    screenshot(one, f"room-{size}-delegate-page")
    share = _page_fits(one)
    assert share >= 0.7, f"the page takes {share:.0%} of the screen's height"
    _page_fits(chair)
    # The delegate's header: the current item and the quorum, one connection state.
    assert "Báo cáo tình hình" in one.locator("[data-current-title]").inner_text()
    assert "Có mặt 3/3" in one.locator("[data-quorum-chip]").inner_text()
    assert one.locator("[role=status][data-conn]").count() == 1
    screenshot(one, f"room-{size}-delegate-page")
    screenshot(chair, f"room-{size}-chair-console")
    _touch_targets(one)
    _touch_targets(chair)

    # A delegate reads the agenda, scrolled to its bottom; the chair opens a vote:
    # the ballot sheet comes over it within a second, with a beep.
    _pane(one, "people")
    one.evaluate(
        "document.querySelector('[data-panel]').scrollTop = 1e6;window.scrollTo(0, 1e6)"
    )
    if chair.locator('[data-tab="votes"]').is_visible():
        _pane(chair, "votes")
    chair.click("[data-vote-new] summary")
    chair.fill("[data-vote-question]", "Thông qua Báo cáo tình hình kinh tế - xã hội")
    chair.click("[data-vote-create-open]")
    started = time.monotonic()
    one.wait_for_selector("[data-ballot][open] .vote-btn.opt-yes", timeout=1000)
    assert time.monotonic() - started < 1.0
    assert one.evaluate("window.nghisuAlerts") >= 1
    screenshot(one, f"room-{size}-ballot-sheet")
    one.click("[data-ballot] .vote-btn.opt-yes")
    one.wait_for_selector('[data-ballot-status]:has-text("Bạn đã chọn: Tán thành")')

    # Offline: the ballot waits ("Đang chờ gửi…"), then is confirmed.
    two.wait_for_selector("[data-ballot][open] .vote-btn.opt-no")
    two.context.set_offline(True)
    two.evaluate("window.nghisuRoom.drop()")
    two.wait_for_selector('[data-conn]:not([data-state="open"])')
    two.click("[data-ballot] .vote-btn.opt-no")
    two.wait_for_selector('[data-ballot-status]:has-text("Đang chờ gửi")')
    screenshot(two, f"room-{size}-ballot-pending")
    two.context.set_offline(False)
    two.wait_for_selector(
        '[data-ballot-status]:has-text("Bạn đã chọn: Không tán thành")'
    )

    # The chair puts his own ballot aside; closing early asks first, and "Hủy"
    # leaves the vote open.
    chair.wait_for_selector("[data-ballot][open]")
    chair.click("[data-ballot-later]")
    chair.wait_for_selector('[data-chip="ballot"]', state="visible")
    chair.wait_for_selector('[data-progress]:has-text("2/3")')
    chair.click("[data-vote-close]")
    question = chair.wait_for_selector("[data-confirm][open] [data-confirm-title]")
    assert question.inner_text() == "Kết thúc biểu quyết khi mới có 2/3 phiếu?"
    screenshot(chair, f"room-{size}-confirm-close")
    chair.click("[data-confirm-no]")
    assert chair.locator(".vote-open").count() == 1
    chair.click("[data-vote-close]")
    chair.click("[data-confirm-yes]")
    for page in (chair, one, two):
        page.wait_for_selector(".result .verdict", state="attached")

    # The conclusion, prefilled from the vote, recorded in the room.
    chair.click("[data-conclude]")
    text = chair.locator("[data-conclusion-text]").input_value()
    assert "Tán thành 1/3 đại biểu (33,33%) — Không thông qua" in text, text
    screenshot(chair, f"room-{size}-conclusion")
    chair.fill("[data-conclusion-text]", text + ". Giao UBND tổ chức thực hiện.")
    chair.click("[data-conclusion-save]")
    chair.wait_for_selector('[data-toast-text]:has-text("Đã ghi kết luận")')

    # The floor: only the granted delegate gets the sheet, with its timer.
    _pane(one, "floor")
    one.click("[data-request-floor]")
    if chair.locator('[data-tab="floor"]').is_visible():
        _pane(chair, "floor")
    chair.click("[data-grant]")
    one.wait_for_selector("[data-floor-alert][open] [data-floor-timer]", timeout=2000)
    one.wait_for_selector('[data-floor-timer]:has-text("00:0")')
    two.wait_for_timeout(300)
    assert not two.locator("[data-floor-alert][open]").count()
    screenshot(one, f"room-{size}-floor")

    page = chair.context.new_page()
    page.goto(f"{base}/meetings/{meeting}/conclusions/")
    assert "Giao UBND tổ chức thực hiện." in page.inner_text("main")


def test_the_attendance_desk_updates_live_and_searches(new_context, server):
    """A check-in made elsewhere (the chair in the room) shows on the secretary's
    attendance page without a reload; search by name ignores accents."""
    stack, base = server
    meeting = stack.seed["meeting"]
    desk = new_context(viewport=SIZES["desktop"]).new_page()
    login(desk, base, "thuky", PASSWORD)
    desk.goto(f"{base}/meetings/{meeting}/attendance/")
    desk.wait_for_selector("[data-att-live]", state="visible")
    desk.evaluate("window.notReloaded = true")
    desk.fill("[data-att-search]", "huong")
    visible = desk.locator("[data-person]:visible")
    assert visible.count() == 1 and "Hường" in visible.inner_text()
    desk.fill("[data-att-search]", "")
    chair = _enter(new_context, SIZES["desktop"], base, "chutoa", meeting)
    row = chair.locator('[data-people] li:has-text("Lò Thị Hường")')
    row.locator('button:has-text("Điểm danh")').click()
    desk.wait_for_selector('[data-person="Lò Thị Hường"] .att-badge-present')
    assert desk.evaluate("window.notReloaded") is True
    screenshot(desk, "attendance-live")
