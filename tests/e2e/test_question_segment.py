"""The question segment in Chromium: the chair and two delegates on tablets
(768×1024). The chair calls, gives the answer, extends, finishes, sends one
to a written answer; every tablet shows who asks, who answers, the question
and the timer; a tablet that reloads mid-question is current at once."""

from __future__ import annotations

import datetime
import json
import subprocess

import pytest

from nghisu import serve
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import (
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)
from tests.realtime.servers import PYTHON, ROOT, Stack

pytestmark = [pytest.mark.browser, pytest.mark.daphne]

PASSWORD = "pw-Test-123!"


@pytest.fixture
def server(tmp_path):
    stack = Stack(tmp_path, None, server=serve.SERVERS[0])
    stack.prepare("--password", PASSWORD, "--voters", "0")
    out = subprocess.run(
        [PYTHON, "-m", "tests.oversight.segment_seed", str(stack.seed["meeting"])],
        cwd=ROOT,
        env=stack.env,
        check=False,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    stack.seed.update(json.loads(out.stdout.strip().splitlines()[-1]))
    port = stack.start_server()
    yield stack, f"http://127.0.0.1:{port}"
    stack.close()


def _enter(context, base: str, username: str, meeting: int):
    page = context.new_page()
    login(page, base, username, PASSWORD)
    page.goto(f"{base}/meetings/{meeting}/room/")
    page.wait_for_selector('[data-conn][data-state="open"]')
    return page


def _timer_seconds(page) -> int:
    text = page.locator("[data-qseg-timer]").inner_text().replace("−", "-")
    minutes, seconds = text.split(":")
    sign = -1 if minutes.startswith("-") else 1
    return sign * (abs(int(minutes)) * 60 + int(seconds))


def test_chair_and_two_delegates_run_the_question_segment(browser, new_context, server):
    stack, base = server
    meeting = stack.seed["meeting"]
    chair = _enter(new_context(viewport=TABLET_PORTRAIT), base, "chutoa", meeting)
    one = _enter(new_context(viewport=TABLET_PORTRAIT), base, "daibieu01", meeting)
    two = _enter(new_context(viewport=TABLET_PORTRAIT), base, "daibieu02", meeting)

    # Idle: the chair sees the controls; the delegates see nothing yet.
    chair.wait_for_selector("[data-qseg]:not([hidden])")
    assert one.locator("[data-qseg]").is_hidden()
    screenshot(chair, "qseg-chair-idle")

    chair.click('[data-qseg-op="call"]')
    for page in (chair, one, two):
        page.wait_for_selector('[data-qseg][data-phase="asking"]')
        page.wait_for_selector("[data-qseg-asker]:has-text('Quàng Thị Ánh')")
        assert "Lường Văn Giáo" in page.locator("[data-qseg-official]").inner_text()
        assert "phòng học tạm" in page.locator("[data-qseg-text]").inner_text()
        assert 50 <= _timer_seconds(page) <= 60
    screenshot(one, "qseg-delegate-asking")

    chair.click('[data-qseg-op="answer"]')
    for page in (one, two):
        page.wait_for_selector('[data-qseg][data-phase="answering"]')
        assert 170 <= _timer_seconds(page) <= 180
    chair.click('[data-qseg-op="extend"]')
    two.wait_for_function(
        "() => { const t = document.querySelector('[data-qseg-timer]').textContent;"
        " const [m, s] = t.split(':').map(Number); return m * 60 + s > 200; }"
    )
    # A tablet that reloads mid-answer fetches the snapshot and is current.
    one.reload()
    one.wait_for_selector('[data-qseg][data-phase="answering"]')
    assert _timer_seconds(one) > 200
    screenshot(two, "qseg-delegate-answering")
    screenshot(chair, "qseg-chair-answering")
    assert_accessible(chair, "question segment, chair")
    for page in (chair, one, two):
        assert_no_horizontal_scroll(page)

    chair.click('[data-qseg-op="followup"]')
    one.wait_for_selector('[data-qseg][data-phase="followup"]')
    chair.click('[data-qseg-op="answer"]')
    chair.wait_for_selector('[data-qseg][data-phase="answering"]')
    chair.click('[data-qseg-op="finish"]')
    for page in (one, two):  # back to idle: hidden on the delegates' tablets
        page.wait_for_selector("[data-qseg]", state="hidden")
    chair.wait_for_selector("[data-qseg-queue] li.done")

    # The next question goes to a written answer with a due date.
    chair.click('[data-qseg-op="call"]')
    two.wait_for_selector('[data-qseg][data-phase="asking"]')
    due = (datetime.date.today() + datetime.timedelta(days=15)).isoformat()
    chair.fill("[data-qseg-due]", due)
    chair.click('[data-qseg-op="written"]')
    chair.wait_for_selector("[data-qseg-queue] li:has-text('Trả lời bằng văn bản')")
    two.wait_for_selector("[data-qseg]", state="hidden")
    screenshot(chair, "qseg-chair-written")

    # The floor queue: a delegate asks to speak in the room; the chair's panel
    # shows them beside the registered list and calls them to question an
    # official; the room's queue empties on every tablet.
    tab = two.locator('[data-tab="floor"]')
    if tab.is_visible() and tab.get_attribute("aria-expanded") != "true":
        tab.click()
    two.click("[data-request-floor]")
    chair.wait_for_selector(
        "[data-qseg-speakers]:not([hidden]) li:has-text('Quàng Thị Ánh')"
    )
    chair.select_option("[data-qseg-answerer]", index=0)
    chair.fill("[data-qseg-floor-text]", "Tiến độ xây trạm y tế xã Chiềng Mung?")
    screenshot(chair, "qseg-chair-floor-queue")
    assert_no_horizontal_scroll(chair)
    chair.click("[data-qseg-speakers] button")
    for page in (chair, one, two):
        page.wait_for_selector('[data-qseg][data-phase="asking"]')
        page.wait_for_selector("[data-qseg-text]:has-text('trạm y tế xã Chiềng Mung')")
        assert "Quàng Thị Ánh" in page.locator("[data-qseg-asker]").inner_text()
    chair.wait_for_selector("[data-qseg-speakers]", state="hidden")
    two.wait_for_selector("[data-request-floor]")  # off the queue: may ask again
    screenshot(two, "qseg-delegate-floor-asking")
