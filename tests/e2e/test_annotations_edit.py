"""Editing annotations in the viewer (Chromium, tablet size): a note's text and
place change offline and are sent once the network is back; undo reverts an
edit; an edit made from an older revision is refused and the server's copy
comes back."""

from __future__ import annotations

import pytest

from documents import annotations as ann
from documents.models import Annotation
from tests.e2e.conftest import TABLET_PORTRAIT, login, screenshot
from tests.e2e.test_annotations_browser import (  # noqa: F401 (fixtures)
    demo_pdf,
    doc,
    open_viewer,
    until,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status_is(page, text: str) -> None:
    page.wait_for_function(
        "(t) => document.querySelector('.ann-status').textContent.includes(t)",
        arg=text,
    )


def test_author_edits_and_moves_a_note_offline_and_undoes_a_move(
    live_server,
    new_context,
    cast,
    doc,  # noqa: F811
):
    context = new_context(viewport=TABLET_PORTRAIT)
    page = context.new_page()
    login(page, live_server.url, "daibieu01")
    open_viewer(page, live_server.url, doc)
    page.get_by_role("button", name="Ghi chú", exact=True).click()
    box = page.locator(".ann-overlay").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.2)
    page.fill(".ann-dialog textarea", "Bản đầu")
    page.click(".ann-dialog button[value=save]")
    status_is(page, "Đã lưu")
    row = Annotation.objects.get()
    assert row.rev == 1 and row.text == "Bản đầu"

    # Offline: the text is edited and the note dragged; both wait on the device.
    context.set_offline(True)
    page.get_by_role("button", name="Xem").click()
    icon = page.locator(".ann-overlay g.ann-note")
    b = icon.bounding_box()
    x, y = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    page.mouse.click(x, y)
    page.fill(".ann-dialog textarea", "Bản đã sửa khi mất mạng")
    page.click(".ann-dialog button[value=save]")
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 9):
        page.mouse.move(x + 10 * i, y + 12 * i)
    page.mouse.up()
    status_is(page, "Mất kết nối: 2")
    assert Annotation.objects.get().rev == 1
    screenshot(page, "annotations-edit-offline-portrait")
    context.set_offline(False)
    status_is(page, "Đã lưu")
    until(page, lambda: Annotation.objects.get().rev == 3)
    row = Annotation.objects.get()
    assert row.text == "Bản đã sửa khi mất mạng"
    assert row.geometry["point"][0] > 0.55 and row.geometry["point"][1] > 0.22
    assert Annotation.objects.count() == 1

    # Undo puts the note back where it was (a new revision, kept on reload).
    page.get_by_role("button", name="Hoàn tác").click()
    until(page, lambda: Annotation.objects.get().rev == 4)
    assert Annotation.objects.get().geometry == {"point": [0.5, 0.2]}
    page.reload()
    page.wait_for_selector(".ann-overlay g.ann-note")

    # Edited meanwhile on another tablet: this stale edit is refused, clearly,
    # and the layer shows what the server holds.
    ann.save_annotation(
        cast.delegate,
        row.version,
        row.pk,
        {
            "page": 1,
            "kind": "note",
            "text": "Sửa trên máy khác",
            "color": row.color,
            "geometry": {"point": [0.3, 0.3]},
            "rev": 5,
        },
    )
    b = icon.bounding_box()
    page.mouse.click(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
    page.fill(".ann-dialog textarea", "Sửa từ bản cũ")
    page.click(".ann-dialog button[value=save]")
    status_is(page, "đã được sửa ở nơi khác")
    page.wait_for_function(
        "document.querySelector('.ann-overlay g.ann-note title')"
        ".textContent.includes('Sửa trên máy khác')"
    )
    row = Annotation.objects.get()
    assert row.text == "Sửa trên máy khác" and row.rev == 5
