"""The live room in Chromium on the production path: Redis, two web processes.

The chair's page is served by process A, the delegate's by process B, as behind
a load balancer; every page also opens the bell socket (``/ws/me/``), as users'
pages do. The delegate's tablet must follow the chair live, and the bell must
keep working while the room page is open (on Redis a second channel-layer
reader in a process used to starve the first).
"""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, login
from tests.e2e.test_offline_ballot import ballot_during_an_outage_is_not_counted
from tests.realtime.servers import PYTHON, ROOT, RedisServer, Stack

pytestmark = [
    pytest.mark.browser,
    pytest.mark.daphne,
    pytest.mark.redis,
    pytest.mark.production,
]

PASSWORD = "pw-Test-123!"


@pytest.fixture
def two_processes(tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    stack = Stack(tmp_path, redis.url)
    try:
        stack.prepare("--password", PASSWORD, "--document", "--voters", "0")
        a, b = stack.start_server(), stack.start_server()
        yield stack, f"http://127.0.0.1:{a}", f"http://127.0.0.1:{b}"
    finally:
        stack.close()
        redis.stop()


def _enter(context, base: str, username: str, meeting: int):
    page = context.new_page()
    login(page, base, username, PASSWORD)
    page.goto(f"{base}/meetings/{meeting}/room/")
    page.wait_for_selector('[data-conn][data-state="open"]')
    return page


def _notify(stack: Stack, username: str, unread: int) -> None:
    """Push a new unread count from another process of the deployment."""
    code = (
        "from work.events import send_now\n"
        "from accounts.models import User\n"
        f"send_now(User.objects.get(username={username!r}).pk,"
        f" {{'type': 'notification.count', 'unread': {unread}}})\n"
    )
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_a_delegate_on_another_process_follows_the_chair_live(
    browser, new_context, two_processes
):
    stack, base_a, base_b = two_processes
    meeting = stack.seed["meeting"]
    chair = _enter(new_context(viewport=TABLET_LANDSCAPE), base_a, "chutoa", meeting)
    delegate = _enter(
        new_context(viewport=TABLET_PORTRAIT), base_b, "daibieu01", meeting
    )
    fast = 5_000  # live means seconds, not the 12 s of a starved reader

    chair.click('[data-cmd="next"]')
    delegate.wait_for_selector(
        '.agenda-item.is-current:has-text("Báo cáo tình hình")',
        state="attached",
        timeout=fast,
    )
    chair.click("[data-present]")
    delegate.wait_for_selector('img.page[data-page="1"]', timeout=fast)
    chair.click("[data-page-next]")
    delegate.wait_for_selector('img.page[data-page="2"]', timeout=fast)

    chair.click("[data-vote-new] summary")
    chair.fill("[data-vote-question]", "Thông qua Báo cáo tình hình kinh tế - xã hội")
    chair.click("[data-vote-create-open]")
    delegate.wait_for_selector("[data-ballot][open] .vote-btn.opt-yes", timeout=fast)
    delegate.click("[data-ballot] .vote-btn.opt-yes")
    delegate.wait_for_selector("[data-ballot] [data-receipt]", timeout=fast)
    chair.wait_for_selector('[data-progress]:has-text("1")', timeout=fast)

    # The bell of both pages, with the room open on each.
    _notify(stack, "daibieu01", 3)
    _notify(stack, "chutoa", 4)
    # (The room's one-screen layout hides the site's top bar; the count is kept.)
    delegate.wait_for_selector(
        '[data-bell-count]:has-text("3")', state="attached", timeout=fast
    )
    chair.wait_for_selector(
        '[data-bell-count]:has-text("4")', state="attached", timeout=fast
    )

    # And the room still follows afterwards.
    chair.click("[data-ballot-later]")
    chair.click("[data-vote-close]")
    chair.click("[data-confirm-yes]")
    delegate.wait_for_selector(".result .verdict", state="attached", timeout=fast)


def test_a_ballot_tapped_in_an_outage_on_another_process_is_reported_not_counted(
    browser, new_context, two_processes
):
    """The offline ballot on the production path: the chair closes the vote
    through process A while the delegate's tablet, served by process B, is cut
    off with a ballot pending; back online, B's socket says it was not counted."""
    stack, base_a, base_b = two_processes
    meeting = stack.seed["meeting"]
    chair = _enter(new_context(viewport=TABLET_LANDSCAPE), base_a, "chutoa", meeting)
    late = _enter(new_context(viewport=TABLET_PORTRAIT), base_b, "daibieu02", meeting)
    ballot_during_an_outage_is_not_counted(chair, late)
