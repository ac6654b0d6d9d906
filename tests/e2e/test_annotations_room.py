"""Issue 6 "Done when", in Chromium on tablets, with the real server (WebSockets).

A delegate annotates three pages of the agenda document in the live room's
follow-the-presenter viewer, loses the network while writing, gets it back,
shares one note that appears in a second delegate's room viewer, edits and
moves it (the edit appears there too), and downloads "Tải bản có ghi chú",
whose PDF holds all of it as real PDF annotations.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)
from tests.realtime.servers import PYTHON, ROOT, Stack

pytestmark = [pytest.mark.browser, pytest.mark.daphne]

PASSWORD = "pw-Test-123!"
SHARED = "Đề nghị làm rõ nguồn thu từ đất"
EDITED = "Đề nghị làm rõ nguồn thu từ đất và phí"
GRANT = (
    "from accounts.models import User; from documents import actions;"
    "from documents.models import Document; d = Document.objects.get();"
    "actions.grant(User.objects.get(username='thuky'), d,"
    " groups=[d.body.group], perms=['annotate_document']); print(d.pk)"
)


@pytest.fixture
def server(tmp_path):
    stack = Stack(tmp_path, None)  # one process: the in-memory channel layer
    stack.prepare("--password", PASSWORD, "--document", "--voters", "0")
    subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", GRANT],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = stack.start_server()
    yield stack, f"http://127.0.0.1:{port}"
    stack.close()


def enter(context, base: str, username: str, meeting: int):
    page = context.new_page()
    login(page, base, username, PASSWORD)
    page.goto(f"{base}/meetings/{meeting}/room/")
    page.wait_for_selector('[data-conn][data-state="open"]')
    return page


def at(page, fx: float, fy: float) -> tuple[float, float]:
    """Where a point of the page (fractions) is on screen, scrolled into view."""
    box = page.locator(".room-page .ann-overlay").bounding_box()
    y = box["y"] + box["height"] * fy
    height = page.viewport_size["height"]
    if not 80 < y < height - 80:
        page.evaluate(f"window.scrollBy(0, {y - height / 2})")
        box = page.locator(".room-page .ann-overlay").bounding_box()
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def draw(page, start, end, steps=10):
    at(page, (start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    (x0, y0), (x1, y1) = at(page, *start), at(page, *end)
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, steps + 1):
        t = i / steps
        page.mouse.move(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t + 15 * t * (1 - t))
    page.mouse.up()


def tool(page, name: str) -> None:
    page.locator(".room-page .ann-toolbar").get_by_role(
        "button", name=name, exact=True
    ).click()


def write(page, kind: str, where, text: str) -> None:
    """Put a note ("Ghi chú") or a text box ("Hộp chữ") at ``where``, and wait
    until it is drawn (the dialog's close event, which creates it, comes a task
    after the click: a scope chosen in between would apply to it)."""
    drawn = page.locator(".room-page .ann-overlay g.ann").count()
    tool(page, kind)
    page.mouse.click(*at(page, *where))
    page.fill(".ann-dialog textarea", text)
    page.click(".ann-dialog button[value=save]")
    page.wait_for_function(
        "n => document.querySelectorAll('.room-page .ann-overlay g.ann').length > n",
        arg=drawn,
    )


def saved(page) -> None:
    page.wait_for_function(
        "document.querySelector('.room-page .ann-status').textContent === 'Đã lưu'"
    )


def follow(page, number: int) -> None:
    page.wait_for_selector(f'.room-page img.page[data-page="{number}"]')
    page.wait_for_function("document.querySelector('.room-page img.page').complete")


def highlight_words(page, number: int) -> None:
    """Drag the highlighter over three words in the middle of the page."""
    page.wait_for_function(f"window.nghisuRoomPage.wordsCache.has({number})")
    words = page.evaluate(f"window.nghisuRoomPage.wordsCache.get({number})")
    assert len(words) > 10
    first, last = words[len(words) // 2], words[len(words) // 2 + 2]
    centre = [((w[0] + w[2]) / 2, (w[1] + w[3]) / 2) for w in (first, last)]
    tool(page, "Đánh dấu")
    draw(page, centre[0], centre[1], steps=6)


def test_delegate_annotates_three_pages_offline_shares_and_exports(
    browser, new_context, server, tmp_path
):
    import pymupdf

    stack, base = server
    meeting = stack.seed["meeting"]
    chair = enter(new_context(viewport=TABLET_LANDSCAPE), base, "chutoa", meeting)
    one_context = new_context(viewport=TABLET_PORTRAIT, accept_downloads=True)
    one = enter(one_context, base, "daibieu01", meeting)
    two = enter(new_context(viewport=TABLET_LANDSCAPE), base, "daibieu02", meeting)

    chair.click('[data-cmd="next"]')
    chair.wait_for_selector("[data-present]")
    chair.click("[data-present]")
    for page in (one, two):
        follow(page, 1)
        page.wait_for_selector('.room-page[data-annotations="ready"]')
    assert one.locator("[data-open-viewer]").get_attribute("href").endswith("?page=1")

    # Page 1: ink and a highlight over words, drawn in the room's viewer.
    tool(one, "Bút")
    draw(one, (0.15, 0.2), (0.7, 0.25))
    highlight_words(one, 1)
    saved(one)
    assert one.locator(".room-page .ann-overlay g.ann-ink").count() == 1
    assert one.locator(".room-page .ann-overlay g.ann-highlight").count() == 1

    # Page 2: the network drops while the delegate writes; nothing is lost.
    chair.click("[data-page-next]")
    follow(one, 2)
    one_context.set_offline(True)
    one.evaluate("window.nghisuRoom.drop()")  # the room's socket goes down too
    tool(one, "Bút")
    draw(one, (0.2, 0.5), (0.8, 0.52))
    write(one, "Ghi chú", (0.85, 0.3), "Hỏi thêm về tiến độ")
    one.wait_for_selector(".room-page .ann-status:has-text('chờ gửi')")
    assert one.locator(".room-page .ann-overlay g.ann").count() == 2
    screenshot(one, "annotations-room-offline-portrait")
    one_context.set_offline(False)
    saved(one)
    one.wait_for_selector('[data-conn][data-state="open"]')

    # Page 3: a text box, and one note shared with the meeting.
    chair.click("[data-page-next]")
    follow(one, 3)
    follow(two, 3)
    write(one, "Hộp chữ", (0.1, 0.7), "Đối chiếu dự toán")
    one.select_option(".room-page .ann-scope", index=1)
    write(one, "Ghi chú", (0.7, 0.2), SHARED)
    saved(one)
    two.wait_for_selector('.room-page .ann-overlay g.ann-note[data-mine="false"]')
    title = two.locator(".room-page .ann-overlay g.ann-note title").text_content()
    assert SHARED in title
    # Private annotations never reach the other delegate.
    assert two.locator(".room-page .ann-overlay g.ann").count() == 1
    screenshot(two, "annotations-room-shared-landscape")

    # The author edits the shared note's text and drags it; both go live.
    tool(one, "Xem")
    note = one.locator('.room-page .ann-overlay g.ann-note[data-mine="true"]')
    box = note.bounding_box()
    one.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    one.fill(".ann-dialog textarea", EDITED)
    one.click(".ann-dialog button[value=save]")
    saved(one)
    two.wait_for_function(
        "(t) => [...document.querySelectorAll('.room-page g.ann-note title')]"
        ".some((n) => n.textContent.includes(t))",
        arg=EDITED,
    )
    before = two.locator(".room-page g.ann-note rect").get_attribute("y")
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    one.mouse.move(x, y)
    one.mouse.down()
    for i in range(1, 9):
        one.mouse.move(x - 12 * i, y + 15 * i)
    one.mouse.up()
    saved(one)
    two.wait_for_function(
        "(y) => document.querySelector('.room-page g.ann-note rect')"
        ".getAttribute('y') !== y",
        arg=before,
    )
    screenshot(one, "annotations-room-portrait")
    assert_no_horizontal_scroll(one)

    # "Tải bản có ghi chú": every annotation, as real PDF annotations.
    with one.expect_download() as info:
        one.locator(".room-page .ann-toolbar a[download]").click()
    path = tmp_path / "ghi-chu.pdf"
    info.value.save_as(path)
    with pymupdf.open(path) as pdf:
        found = {n + 1: sorted(a.type[1] for a in pdf[n].annots()) for n in range(3)}
        texts = [a.info["content"] for p in pdf for a in p.annots()]
    assert found == {
        1: ["Highlight", "Ink"],
        2: ["Ink", "Text"],
        3: ["FreeText", "Text"],
    }, found
    assert EDITED in texts and "Hỏi thêm về tiến độ" in texts
    assert "Đối chiếu dự toán" in texts
