"""In Chromium at tablet size: drawing ink, reloading, the offline queue, highlights."""

from __future__ import annotations

import pytest

import documents.pdf as pdf
from documents import actions
from documents.models import Annotation
from tests.documents.conftest import upload_file
from tests.e2e.conftest import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    assert_no_horizontal_scroll,
    login,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def demo_pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e-ann") / "to-trinh.pdf"
    pdf.make_demo_pdf(
        path,
        title="TỜ TRÌNH VỀ DỰ TOÁN NGÂN SÁCH",
        paragraphs=["Điều 1. Thông qua dự toán thu ngân sách nhà nước năm 2026."] * 4,
        pages=3,
        heading_lines=["ỦY BAN NHÂN DÂN", "TỈNH SƠN LA"],
    )
    return path


@pytest.fixture
def doc(cast, demo_pdf):
    document = actions.create_document(
        cast.secretary,
        body=cast.hdnd,
        title="Tờ trình dự toán",
        uploaded_file=upload_file("to-trinh.pdf", demo_pdf.read_bytes()),
    )
    actions.grant(
        cast.secretary,
        document,
        users=[cast.delegate],
        perms=("view_document", "annotate_document"),
    )
    return document


def open_viewer(page, base, doc):
    page.goto(f"{base}/documents/{doc.pk}/")
    page.wait_for_selector(".ann-toolbar")
    page.wait_for_function("document.querySelector('.viewer-img').complete")


def draw(page, start, end, steps=12):
    """Draw a stroke with real pointer input across the page sheet."""
    box = page.locator(".ann-overlay").bounding_box()
    x0, y0 = box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1]
    x1, y1 = box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1]
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, steps + 1):
        t = i / steps
        page.mouse.move(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t + 20 * t * (1 - t))
    page.mouse.up()


def until(page, check, timeout_ms=5000):
    """Wait until ``check()`` (a database condition) holds."""
    for _ in range(timeout_ms // 100):
        if check():
            return
        page.wait_for_timeout(100)
    assert check()


def test_pen_draws_at_once_survives_reload_and_offline_queue_replays_once(
    live_server, new_context, cast, doc
):
    base = live_server.url
    context = new_context(viewport=TABLET_PORTRAIT)
    page = context.new_page()
    login(page, base, "daibieu01")
    open_viewer(page, base, doc)
    page.get_by_role("button", name="Bút").click()
    draw(page, (0.2, 0.4), (0.7, 0.45))
    # Ink shows at once, before any round trip.
    assert page.locator(".ann-overlay g.ann-ink").count() == 1
    page.wait_for_function(
        "document.querySelector('.ann-status').textContent === 'Đã lưu'"
    )
    assert Annotation.objects.filter(author=cast.delegate, kind="ink").count() == 1
    stroke = Annotation.objects.get().geometry["strokes"][0]
    assert 2 <= len(stroke) <= 13  # simplified before saving
    assert all(0 <= v <= 1 for point in stroke for v in point)
    screenshot(page, "annotations-ink-portrait")
    assert_no_horizontal_scroll(page)

    page.reload()
    page.wait_for_selector(".ann-overlay g.ann-ink")
    assert page.locator(".ann-overlay g.ann-ink").count() == 1

    # Offline: the stroke is drawn and queued on the device, then sent once.
    context.set_offline(True)
    page.get_by_role("button", name="Bút").click()
    draw(page, (0.2, 0.6), (0.6, 0.65))
    assert page.locator(".ann-overlay g.ann-ink").count() == 2
    page.wait_for_function(
        "/Mất kết nối/.test(document.querySelector('.ann-status').textContent)"
    )
    assert Annotation.objects.count() == 1
    context.set_offline(False)
    page.wait_for_function(
        "document.querySelector('.ann-status').textContent === 'Đã lưu'"
    )
    page.wait_for_timeout(300)
    # The timer and the "online" event may both flush: still exactly one more.
    page.evaluate("window.nghisuAnnotations.flush()")
    page.wait_for_timeout(300)
    assert Annotation.objects.count() == 2
    page.reload()
    page.wait_for_selector(".ann-overlay g.ann-ink")
    page.wait_for_function(
        "document.querySelectorAll('.ann-overlay g.ann-ink').length === 2"
    )


def test_offline_stroke_survives_a_reload_before_reconnecting(
    live_server, new_context, cast, doc
):
    base = live_server.url
    context = new_context(viewport=TABLET_LANDSCAPE)
    page = context.new_page()
    login(page, base, "daibieu01")
    open_viewer(page, base, doc)
    context.set_offline(True)
    page.get_by_role("button", name="Bút").click()
    draw(page, (0.3, 0.3), (0.6, 0.35))
    page.wait_for_function(
        "/Mất kết nối/.test(document.querySelector('.ann-status').textContent)"
    )
    context.set_offline(False)
    page.reload()  # the queue in IndexedDB is sent (by the old page or the new one)
    page.wait_for_selector(".ann-overlay g.ann-ink")
    until(page, lambda: Annotation.objects.filter(kind="ink").count() == 1)
    page.wait_for_timeout(500)
    assert Annotation.objects.filter(kind="ink").count() == 1


def test_highlighter_marks_words_and_undo_redo(live_server, new_context, cast, doc):
    base = live_server.url
    page = new_context(viewport=TABLET_LANDSCAPE).new_page()
    login(page, base, "daibieu01")
    open_viewer(page, base, doc)
    page.wait_for_function("document.querySelectorAll('.viewer-text span').length > 5")
    words = page.locator(".viewer-text span")
    first = words.nth(2).bounding_box()
    last = words.nth(4).bounding_box()
    page.get_by_role("button", name="Đánh dấu").click()
    page.mouse.move(first["x"] + 2, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(
        last["x"] + last["width"] - 2, last["y"] + last["height"] / 2, steps=5
    )
    page.mouse.up()
    page.wait_for_function(
        "document.querySelector('.ann-status').textContent === 'Đã lưu'"
    )
    row = Annotation.objects.get(kind="highlight")
    expected = " ".join(words.nth(i).inner_text().strip() for i in (2, 3, 4))
    assert row.quoted_text == expected
    screenshot(page, "annotations-highlight-landscape")
    page.get_by_role("button", name="Hoàn tác").click()
    page.wait_for_function(
        "document.querySelectorAll('.ann-overlay g.ann-highlight').length === 0"
    )
    until(page, lambda: Annotation.objects.get(pk=row.pk).deleted_at is not None)
    page.get_by_role("button", name="Làm lại").click()
    page.wait_for_function(
        "document.querySelectorAll('.ann-overlay g.ann-highlight').length === 1"
    )
    until(page, lambda: Annotation.objects.get(pk=row.pk).deleted_at is None)
    page.get_by_role("link", name="Ghi chú của tôi").click()
    page.wait_for_selector(".ann-quote")
    assert page.locator(".ann-quote").inner_text() == expected
    screenshot(page, "annotations-mine-landscape")
    assert_no_horizontal_scroll(page)


@pytest.mark.daphne
@pytest.mark.django_db(transaction=False)
def test_a_note_shared_with_the_room_appears_live_on_another_delegate(
    browser, new_context, tmp_path
):
    """Real Daphne (WebSockets): delegate 1 shares a note with the meeting in
    progress; it appears in delegate 2's viewer without a reload, and delegate
    1's private ink never does."""
    import subprocess

    from tests.realtime.servers import PYTHON, ROOT, Stack

    stack = Stack(tmp_path, None)
    try:
        stack.prepare("--password", "pw-Test-123!", "--document", "--voters", "0")
        grant = (
            "from accounts.models import Body, User; from documents import actions;"
            "from documents.models import Document; d = Document.objects.get();"
            "actions.grant(User.objects.get(username='thuky'), d,"
            " groups=[d.body.group], perms=['annotate_document']); print(d.pk)"
        )
        out = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", grant],
            cwd=ROOT,
            env=stack.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        document_id = int(out.stdout.strip().splitlines()[-1])
        base = f"http://127.0.0.1:{stack.start_server()}"
        pages = []
        for username, viewport in (
            ("daibieu01", TABLET_PORTRAIT),
            ("daibieu02", TABLET_LANDSCAPE),
        ):
            page = new_context(viewport=viewport).new_page()
            login(page, base, username)
            page.goto(f"{base}/documents/{document_id}/")
            page.wait_for_selector(".ann-toolbar")
            pages.append(page)
        one, two = pages
        one.wait_for_selector(".ann-scope:not([hidden])")
        one.select_option(".ann-scope", index=1)
        one.get_by_role("button", name="Ghi chú", exact=True).click()
        box = one.locator(".ann-overlay").bounding_box()
        one.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.2)
        one.fill(".ann-dialog textarea", "Đề nghị làm rõ nguồn thu")
        one.click(".ann-dialog button[value=save]")
        one.wait_for_selector(".ann-overlay g.ann-note")
        two.wait_for_selector('.ann-overlay g.ann-note[data-mine="false"]')
        title = two.locator(".ann-overlay g.ann-note title").text_content()
        assert "Đề nghị làm rõ nguồn thu" in title
        screenshot(two, "annotations-shared-note-live")
        # Private ink stays with its author.
        one.select_option(".ann-scope", index=0)
        one.get_by_role("button", name="Bút").click()
        draw(one, (0.2, 0.5), (0.6, 0.55))
        one.wait_for_function(
            "document.querySelector('.ann-status').textContent === 'Đã lưu'"
        )
        two.wait_for_timeout(1500)
        assert two.locator(".ann-overlay g.ann-ink").count() == 0
        two.reload()
        two.wait_for_selector(".ann-overlay g.ann-note")
        assert two.locator(".ann-overlay g.ann-ink").count() == 0
    finally:
        stack.close()


def test_finger_draws_until_a_stylus_is_used_then_fingers_scroll(
    live_server, new_context, cast, doc
):
    base = live_server.url
    context = new_context(viewport=TABLET_PORTRAIT, has_touch=True)
    page = context.new_page()
    login(page, base, "daibieu01")
    open_viewer(page, base, doc)
    page.get_by_role("button", name="Bút").click()
    cdp = context.new_cdp_session(page)
    box = page.locator(".ann-overlay").bounding_box()

    def at(fx, fy):
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    def finger(start, end):
        (x0, y0), (x1, y1) = at(*start), at(*end)
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]},
        )
        for i in range(1, 9):
            t = i / 8
            point = {"x": x0 + (x1 - x0) * t, "y": y0 + (y1 - y0) * t}
            cdp.send(
                "Input.dispatchTouchEvent",
                {"type": "touchMove", "touchPoints": [point]},
            )
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def pen(start, end):
        (x0, y0), (x1, y1) = at(*start), at(*end)
        common = {"button": "left", "pointerType": "pen", "clickCount": 1}
        cdp.send(
            "Input.dispatchMouseEvent",
            {"type": "mousePressed", "x": x0, "y": y0, **common},
        )
        for i in range(1, 9):
            t = i / 8
            cdp.send(
                "Input.dispatchMouseEvent",
                {
                    "type": "mouseMoved",
                    "x": x0 + (x1 - x0) * t,
                    "y": y0 + (y1 - y0) * t,
                    **common,
                },
            )
        cdp.send(
            "Input.dispatchMouseEvent",
            {"type": "mouseReleased", "x": x1, "y": y1, **common},
        )

    # Without a stylus, a finger draws (and does not turn the page).
    finger((0.2, 0.3), (0.7, 0.32))
    until(page, lambda: Annotation.objects.filter(kind="ink").count() == 1)
    assert page.evaluate("window.nghisuViewer.page") == 1
    # A stylus draws; from then on a finger scrolls the page instead.
    pen((0.2, 0.4), (0.6, 0.45))
    until(page, lambda: Annotation.objects.filter(kind="ink").count() == 2)
    before = page.evaluate("window.nghisuViewer.stage.scrollTop")
    finger((0.5, 0.5), (0.5, 0.3))
    page.wait_for_timeout(500)
    assert page.evaluate("window.nghisuViewer.stage.scrollTop") > before
    assert Annotation.objects.filter(kind="ink").count() == 2
    assert page.locator(".ann-overlay g.ann-ink").count() == 2
