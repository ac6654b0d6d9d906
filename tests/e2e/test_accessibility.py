"""Accessible and touchable: the main pages pass axe-core with no serious or
critical violation and every control on them is at least 44 px; on the meeting
pages, the room (delegate on a portrait tablet, chair on a desktop, with its
panes, ballot sheet and dialogs) and the work page, Tab reaches every control,
in order, with a visible focus ring.

One running HĐND meeting (a real Daphne process, as the room needs its socket)
serves the meeting pages; the work pages use the live server and the cast.
Screenshots go to test-artifacts/a11y-*.png.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.e2e.a11y import (
    assert_accessible,
    assert_keyboard_reachable,
    assert_touch_targets,
)
from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, login, screenshot
from tests.realtime.servers import Stack

PASSWORD = "pw-Test-123!"
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("a11y"), None)
    stack.prepare("--password", PASSWORD, "--document", "--voters", "0")
    port = stack.start_server()
    yield stack, f"http://127.0.0.1:{port}"
    stack.close()


def _page(new_context, base, username, viewport=TABLET_PORTRAIT):
    page = new_context(viewport=viewport, has_touch=True).new_page()
    login(page, base, username, PASSWORD)
    return page


def _check(page, where, keyboard=False):
    """axe-core, the touch targets and (if asked) the keyboard walk."""
    assert_accessible(page, where)
    assert_touch_targets(page, where=where)
    if keyboard:
        assert_keyboard_reachable(page, where)


@pytest.mark.browser
@pytest.mark.daphne
def test_home_and_meeting_page(new_context, server):
    stack, base = server
    meeting = stack.seed["meeting"]
    page = _page(new_context, base, "daibieu01")
    page.goto(f"{base}/")
    _check(page, "home")
    screenshot(page, "a11y-home")
    page.goto(f"{base}/meetings/{meeting}/")
    _check(page, "meeting page", keyboard=True)
    screenshot(page, "a11y-meeting")
    secretary = _page(new_context, base, "thuky", DESKTOP)
    for path in ("", "agenda/", "attendance/", "conclusions/"):
        secretary.goto(f"{base}/meetings/{meeting}/{path}")
        where = f"meeting page {path or 'detail'} (secretary)"
        _check(secretary, where, keyboard=True)
        screenshot(secretary, f"a11y-secretary-{path.strip('/') or 'detail'}")


@pytest.mark.browser
@pytest.mark.daphne
def test_room_as_delegate_and_as_chair(new_context, server):
    stack, base = server
    meeting = stack.seed["meeting"]
    pages = {}
    for username, viewport in (("daibieu01", TABLET_PORTRAIT), ("chutoa", DESKTOP)):
        page = _page(new_context, base, username, viewport)
        page.goto(f"{base}/meetings/{meeting}/room/")
        page.wait_for_selector('[data-conn][data-state="open"]')
        _check(page, f"room as {username}", keyboard=True)
        pages[username] = page
    one, chair = pages["daibieu01"], pages["chutoa"]

    # The chair moves to the first item and presents its document.
    chair.click('[data-cmd="next"]')
    chair.wait_for_selector(".agenda-item.is-current", state="attached")
    chair.click("[data-present]")
    for page in (one, chair):
        page.wait_for_selector('img.page[data-page="1"]')
    one.wait_for_selector("[data-toast]:not([hidden])")
    _check(one, "room as delegate, presented page with the toast", keyboard=True)
    one.click("[data-toast-close]")
    _check(chair, "room as chair, presenting", keyboard=True)
    screenshot(chair, "a11y-room-chair-presenting")

    # Every pane of the delegate's drawer.
    for name in ("agenda", "floor", "votes", "people"):
        one.click(f'[data-tab="{name}"]')
        one.wait_for_selector(f'[data-pane="{name}"] h2', state="visible")
        _check(one, f"room as delegate, {name} pane", keyboard=True)
    screenshot(one, "a11y-room-delegate-people")
    one.click('[data-tab="people"]')

    # A vote: the chair's form, then the ballot sheet over both screens.
    chair.click("[data-vote-new] summary")
    _check(chair, "room as chair, new vote form", keyboard=True)
    chair.fill("[data-vote-question]", "Thông qua Báo cáo tình hình kinh tế - xã hội")
    chair.click("[data-vote-create-open]")
    for page in (one, chair):
        page.wait_for_selector("[data-ballot][open] .vote-btn.opt-yes")
    _check(one, "room as delegate, ballot sheet", keyboard=True)
    screenshot(one, "a11y-room-delegate-ballot")
    one.click("[data-ballot] .vote-btn.opt-yes")
    one.wait_for_selector('[data-ballot-status]:has-text("Tán thành")')
    chair.click("[data-ballot-later]")
    chair.wait_for_selector('[data-chip="ballot"]', state="visible")
    _check(chair, "room as chair, vote open", keyboard=True)

    # The shortcut keys dialog.
    chair.click("[data-help]")
    chair.wait_for_selector("[data-help-dialog][open]")
    _check(chair, "room as chair, keys dialog", keyboard=True)
    screenshot(chair, "a11y-room-chair-keys")


@pytest.mark.browser
@pytest.mark.daphne
def test_document_viewer_and_minutes(new_context, server):
    stack, base = server
    meeting = stack.seed["meeting"]
    page = _page(new_context, base, "thuky", TABLET_LANDSCAPE)
    page.goto(f"{base}/documents/")
    _check(page, "documents list")
    page.locator('a[href^="/documents/"][href$="/"]').filter(
        has_text="Tờ trình"
    ).first.click()
    page.wait_for_selector(".viewer-img")
    _check(page, "document viewer", keyboard=True)
    # The page's stage, reached by Tab from the control before it, shows its ring.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.viewer-stage')"):
            break
    else:
        pytest.fail("Tab never reached the document's page")
    page.locator(".viewer").screenshot(path=str(screenshot(page, "a11y-viewer-focus")))
    screenshot(page, "a11y-viewer")
    page.goto(f"{base}/meetings/{meeting}/minutes/")
    _check(page, "minutes (none yet)")
    page.get_by_role("button", name="Lập biên bản").click()
    page.wait_for_selector("textarea#m-opening")
    _check(page, "minutes editor", keyboard=True)
    screenshot(page, "a11y-minutes")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_work_tasks_and_consultations(live_server, new_context, cast):
    from work import actions

    later = timezone.localtime() + datetime.timedelta(days=3)
    consultation = actions.send_consultation(
        cast.chair,
        body=cast.hdnd,
        title="Dự thảo Nghị quyết về chính sách hỗ trợ cây ăn quả",
        question="Đề nghị các đồng chí cho ý kiến về dự thảo Nghị quyết.",
        deadline=later,
    )
    task = actions.create_assignment(
        cast.chair,
        body=cast.hdnd,
        title="Rà soát các dự án chậm giải ngân",
        deadline=later.date(),
        assignee_user=cast.delegate,
    )
    base = live_server.url
    page = _page(new_context, base, "daibieu01")
    _check(page, "home with a task and a consultation")
    page.goto(f"{base}/work/")
    _check(page, "work", keyboard=True)
    screenshot(page, "a11y-work")
    page.goto(f"{base}/work/consultations/{consultation.pk}/")
    _check(page, "consultation", keyboard=True)
    screenshot(page, "a11y-consultation")
    page.goto(f"{base}/work/assignments/{task.pk}/")
    _check(page, "task", keyboard=True)
    screenshot(page, "a11y-task")
    chair = _page(new_context, base, "chutoa", TABLET_LANDSCAPE)
    chair.goto(f"{base}/work/")
    _check(chair, "work (chair)")
    chair.goto(f"{base}/work/bodies/{cast.hdnd.pk}/assignments/new/")
    _check(chair, "new task form")
