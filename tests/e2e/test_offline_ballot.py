"""A ballot tapped during an outage counts only if the server gets it in time.

The tablet keeps the ballot pending while the link is down and sends it when
the socket is back; if the chair closed the vote meanwhile, the tablet says
plainly that the ballot was not counted.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, screenshot
from tests.e2e.test_room import _enter, server  # noqa: F401 (the live room fixture)

pytestmark = [pytest.mark.browser, pytest.mark.daphne]


def test_a_ballot_sent_after_the_vote_closed_is_reported_not_counted(
    browser,
    new_context,
    server,  # noqa: F811
):
    stack, base = server
    meeting = stack.seed["meeting"]
    chair = _enter(new_context(viewport=TABLET_LANDSCAPE), base, "chutoa", meeting)
    late = _enter(new_context(viewport=TABLET_PORTRAIT), base, "daibieu02", meeting)
    ballot_during_an_outage_is_not_counted(chair, late)
    screenshot(late, "room-ballot-not-counted")


def ballot_during_an_outage_is_not_counted(chair, late) -> None:
    """The chair opens a vote; `late` loses the link, taps "Tán thành" (kept
    pending), the chair votes and closes; back online, `late` is told plainly
    that the ballot was not counted, and holds no receipt."""
    chair.click('[data-cmd="next"]')
    chair.click("[data-vote-new] summary")
    chair.fill("[data-vote-question]", "Thông qua Báo cáo tình hình kinh tế - xã hội")
    chair.click("[data-vote-create-open]")
    late.wait_for_selector("[data-ballot][open] .vote-btn.opt-yes")

    late.context.set_offline(True)
    late.evaluate("window.nghisuRoom.drop()")
    late.wait_for_selector(
        '[data-conn]:has-text("kết nối lại"), [data-conn][data-state="offline"]'
    )
    late.click("[data-ballot] .vote-btn.opt-yes")
    late.wait_for_selector('[data-ballot] [data-ballot-status][data-state="pending"]')

    chair.click("[data-ballot] .vote-btn.opt-yes")
    chair.wait_for_selector("[data-ballot] [data-receipt]")
    chair.wait_for_selector("[data-ballot][open]", state="detached")
    chair.click("[data-vote-close]")
    chair.click("[data-confirm-yes]")
    chair.wait_for_selector(".result .verdict")

    late.context.set_offline(False)
    late.wait_for_selector('[data-conn][data-state="open"]')
    error = late.wait_for_selector("[data-error]:not([hidden])")
    assert "KHÔNG được tính" in error.inner_text()
    late.wait_for_selector("[data-ballot][open]", state="detached")
    late.click('[data-tab="votes"]')
    note = late.wait_for_selector(".vote-card [data-voted], [data-voted]")
    assert "KHÔNG được tính" in note.inner_text()
    assert not late.locator("[data-receipt]").count()
