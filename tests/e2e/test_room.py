"""The live room in Chromium: a chair and two delegates on tablets.

The room needs WebSockets, which pytest-django's ``live_server`` (a WSGI thread)
does not serve, so this test runs the real server in a subprocess, under Daphne
and under uvicorn (``nghisu.serve``), on a seeded database of its own (SQLite, or
PostgreSQL in the PostgreSQL pass).
"""

from __future__ import annotations

import re

import pytest

from nghisu import serve
from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)
from tests.realtime.servers import Stack

pytestmark = [pytest.mark.browser, pytest.mark.daphne]

PASSWORD = "pw-Test-123!"


@pytest.fixture(params=serve.SERVERS)
def server(request, tmp_path):
    # One process: the in-memory channel layer.
    stack = Stack(tmp_path, None, server=request.param)
    stack.prepare("--password", PASSWORD, "--document", "--voters", "0")
    port = stack.start_server()
    yield stack, f"http://127.0.0.1:{port}"
    stack.close()


def _enter(context, base: str, username: str, meeting: int):
    page = context.new_page()
    login(page, base, username, PASSWORD)
    page.goto(f"{base}/meetings/{meeting}/room/")
    page.wait_for_selector('[data-conn][data-state="open"]')
    return page


def test_chair_and_delegates_run_an_item_a_presentation_and_a_vote(
    browser, new_context, server
):
    stack, base = server
    meeting = stack.seed["meeting"]
    chair = _enter(new_context(viewport=TABLET_LANDSCAPE), base, "chutoa", meeting)
    one = _enter(new_context(viewport=TABLET_PORTRAIT), base, "daibieu01", meeting)
    two = _enter(new_context(viewport=TABLET_PORTRAIT), base, "daibieu02", meeting)

    # The chair moves the agenda; every screen follows.
    chair.click('[data-cmd="next"]')
    for page in (chair, one, two):
        page.wait_for_selector(
            '.agenda-item.is-current:has-text("Báo cáo tình hình")', state="attached"
        )

    # The chair presents a page; delegates follow, browse alone, come back.
    chair.click("[data-present]")
    for page in (one, two):
        page.wait_for_selector('img.page[data-page="1"]')
    chair.click("[data-page-next]")
    for page in (one, two):
        page.wait_for_selector('img.page[data-page="2"]')
    one.click("[data-page-next]")
    one.wait_for_selector('img.page[data-page="3"]')
    one.click("[data-back]")
    one.wait_for_selector('img.page[data-page="2"]')
    assert one.locator("text=Đang theo người trình bày").is_visible()
    screenshot(one, "room-delegate-following")

    # A vote: opened by the chair, cast by everyone, one tablet drops meanwhile.
    chair.click("[data-vote-new] summary")
    chair.fill("[data-vote-question]", "Thông qua Báo cáo tình hình kinh tế - xã hội")
    chair.click("[data-vote-create-open]")
    for page in (chair, one, two):
        page.wait_for_selector("[data-ballot][open] .vote-btn.opt-yes")
    one.click("[data-ballot] .vote-btn.opt-yes")
    one.wait_for_selector("[data-ballot] [data-receipt]")
    # The Wi-Fi drops on one tablet: the delegate votes while it is down; the
    # ballot waits and goes out once the tablet is back (counted once).
    two.context.set_offline(True)
    two.evaluate("window.nghisuRoom.drop()")
    two.wait_for_selector(
        '[data-conn]:has-text("kết nối lại"), [data-conn][data-state="offline"]'
    )
    two.click("[data-ballot] .vote-btn.opt-no")
    two.wait_for_timeout(500)
    assert not two.locator("[data-receipt]").count()
    two.context.set_offline(False)
    two.wait_for_selector('[data-conn][data-state="open"]')
    two.wait_for_selector("[data-receipt]", state="attached")
    chair.click("[data-ballot] .vote-btn.opt-yes")
    chair.wait_for_selector("[data-ballot] [data-receipt]")
    chair.wait_for_selector('[data-progress]:has-text("3")')
    chair.wait_for_selector("[data-ballot][open]", state="detached")
    screenshot(chair, "room-chair-vote-open")
    chair.click("[data-vote-close]")
    chair.click("[data-confirm-yes]")
    for page in (one, two):  # tablets: the votes pane opens from its tab
        page.wait_for_selector("[data-ballot][open]", state="detached")
        page.click('[data-tab="votes"]')
    for page in (chair, one, two):
        result = page.wait_for_selector(".result .verdict")
        assert result.inner_text() == "THÔNG QUA"
        table = page.locator(".result table").inner_text()
        assert re.search(r"Tán thành\s+2", table), table
        assert re.search(r"Không tán thành\s+1", table), table
        assert_no_horizontal_scroll(page)
    # Names and choices are not sent to every socket: the delegate's tablet
    # fetches them when the list is opened.
    two.click(".result details summary")
    names = two.wait_for_selector(".result .names")
    assert two.locator(".result .names li").count() == 3
    assert re.search(r": Không tán thành", names.inner_text())
    assert_no_horizontal_scroll(two)
    screenshot(two, "room-delegate-result")
    screenshot(chair, "room-chair-result")


def test_a_tablet_that_loses_the_network_briefly_shows_it_and_recovers(
    browser, new_context, server
):
    """Offline and back before the socket noticed: the status returns to
    "open" (it stayed "offline" before) and the tablet resyncs, catching the
    chair's move made while it was away."""
    stack, base = server
    meeting = stack.seed["meeting"]
    chair = _enter(new_context(viewport=TABLET_LANDSCAPE), base, "chutoa", meeting)
    context = new_context(viewport=TABLET_PORTRAIT)
    tablet = _enter(context, base, "daibieu01", meeting)
    # The agenda's controls are the chair's: a delegate does not see them.
    assert chair.locator('[data-cmd="next"]').is_visible()
    assert not tablet.locator('[data-cmd="next"]').is_visible()
    context.set_offline(True)
    tablet.wait_for_selector('[data-conn][data-state="offline"]')
    chair.click('[data-cmd="next"]')
    chair.wait_for_selector(
        '.agenda-item.is-current:has-text("Báo cáo tình hình")', state="attached"
    )
    context.set_offline(False)
    tablet.wait_for_selector('[data-conn][data-state="open"]')
    tablet.wait_for_selector(
        '.agenda-item.is-current:has-text("Báo cáo tình hình")', state="attached"
    )


FOCUSED = """() => {
  const el = document.activeElement;
  return el && el !== document.body
    ? { tag: el.tagName, user: el.dataset.checkinUser || null, option: el.dataset.option || null,
        inBallot: Boolean(el.closest("[data-ballot]")) }
    : null;
}"""


# What is tested is the page's own code: one server is enough.
@pytest.mark.parametrize("server", ["daphne"], indirect=True)
def test_live_updates_keep_the_keyboard_focus(new_context, server):
    """A keyboard or screen-reader user keeps their place while the room
    changes around them: a delegate arriving rebuilds the people list under
    the chair's focused check-in button, and another delegate's ballot
    rebuilds the ballot sheet under a delegate's focused option."""
    stack, base = server
    meeting = stack.seed["meeting"]
    chair = _enter(new_context(viewport=TABLET_LANDSCAPE), base, "chutoa", meeting)
    one = _enter(new_context(viewport=TABLET_PORTRAIT), base, "daibieu01", meeting)

    # The chair's focus on someone's check-in button (not daibieu02's, who
    # is about to arrive); daibieu02's arrival reaches the chair's list.
    user = chair.evaluate(
        """() => {
          const b = [...document.querySelectorAll("[data-checkin-user]")]
            .find((b) => !b.closest("li").textContent.includes("Quàng Thị Ánh"));
          b.focus();
          return b.dataset.checkinUser;
        }"""
    )
    assert user
    online = chair.locator("[data-people] .dot.on").count()
    two = _enter(new_context(viewport=TABLET_PORTRAIT), base, "daibieu02", meeting)
    chair.wait_for_function(
        f"document.querySelectorAll('[data-people] .dot.on').length > {online}"
    )
    assert chair.evaluate(FOCUSED) == {
        "tag": "BUTTON", "user": user, "option": None, "inBallot": False
    }

    # A vote: daibieu01 has "Không tán thành" focused when daibieu02's
    # ballot moves the count on every tablet.
    chair.click('[data-cmd="next"]')
    chair.wait_for_selector(".agenda-item.is-current", state="attached")
    chair.click("[data-vote-new] summary")
    chair.fill("[data-vote-question]", "Thông qua Báo cáo tình hình kinh tế - xã hội")
    chair.click("[data-vote-create-open]")
    for page in (one, two):
        page.wait_for_selector("[data-ballot][open] .vote-btn.opt-yes")
    one.focus("[data-ballot] .vote-btn.opt-no")
    two.click("[data-ballot] .vote-btn.opt-yes")
    two.wait_for_selector("[data-ballot] [data-receipt]")
    one.wait_for_function("document.querySelector('[data-vote] progress').value >= 1")
    assert one.evaluate(FOCUSED) == {
        "tag": "BUTTON", "user": None, "option": "no", "inBallot": True
    }
